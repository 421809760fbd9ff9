/** A one-line counter for long commands, on stderr when it is a terminal. */
export interface Progress {
  /** Just the label and an ellipsis: work under way whose size is unknown. */
  busy(): void;
  /** `done` so far, of `total` when known. Redraws at most every 100 ms (and at the end). */
  update(done: number, total?: number): void;
  /** Clears the line, so what the command prints next starts clean. */
  end(): void;
}

const silent: Progress = { busy: () => undefined, update: () => undefined, end: () => undefined };

/**
 * Progress goes to a terminal only: piped or redirected output (scripts, CI, tests)
 * and `--quiet` stay clean. Results always go to stdout; this never does.
 */
export function createProgress(
  label: string,
  options: {
    readonly stream?: NodeJS.WritableStream & { isTTY?: boolean };
    readonly quiet?: boolean;
    readonly now?: () => number;
  } = {},
): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet === true || stream.isTTY !== true) return silent;
  const now = options.now ?? Date.now;
  let drawnAt: number | undefined;
  return {
    busy() {
      drawnAt = now();
      stream.write(`\r${label}…\x1b[K`);
    },
    update(done, total) {
      const t = now();
      if (drawnAt !== undefined && t - drawnAt < 100 && done !== total) return;
      drawnAt = t;
      const bar =
        total === undefined || total === 0
          ? ''
          : ` [${'#'.repeat(Math.round((20 * done) / total)).padEnd(20, '.')}]`;
      stream.write(`\r${label}${bar} ${done}${total === undefined ? '' : `/${total}`}\x1b[K`);
    },
    end() {
      if (drawnAt !== undefined) stream.write('\r\x1b[K');
    },
  };
}

/** A command's progress: to its context's stream (stderr), unless `--quiet`. */
export function progressFor(
  context: {
    readonly progress?: NodeJS.WritableStream & { isTTY?: boolean };
    readonly quiet?: boolean;
  },
  label: string,
): Progress {
  return createProgress(label, {
    ...(context.progress ? { stream: context.progress } : {}),
    quiet: context.quiet === true,
  });
}

/** Shows `label…` while `body` runs (a query, a transaction), cleared when it ends. */
export async function whileBusy<T>(
  context: Parameters<typeof progressFor>[0],
  label: string,
  body: () => Promise<T>,
): Promise<T> {
  const progress = progressFor(context, label);
  progress.busy();
  try {
    return await body();
  } finally {
    progress.end();
  }
}
