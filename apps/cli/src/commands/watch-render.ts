/** What `herald watch` shows of a message (the inbox-client's InboxItem, structurally). */
export interface WatchedItem {
  readonly id: string;
  readonly seq: number;
  readonly title: string;
  readonly body: string;
  readonly collapseKey?: string | null;
  readonly data?: unknown;
}

function percentOf(item: WatchedItem): number | undefined {
  const data = item.data as { percent?: unknown } | null | undefined;
  // Templates render text: "40" counts as 40.
  const raw = data?.percent;
  const p = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  return typeof p === 'number' && Number.isFinite(p) ? Math.max(0, Math.min(100, p)) : undefined;
}

/**
 * One line for a message: a progress bar for a task update (data.percent), a check
 * mark at 100 %, else the title and body. Pure, so the terminal and the tests agree.
 *
 * @example
 * watchLine({ collapseKey: 'task-7', data: { percent: 40 }, title: 'Export', body: 'rows 4000/10000', ... })
 * // 'Export        [########............]  40%  rows 4000/10000'
 */
export function watchLine(item: WatchedItem, width = 20): string {
  const percent = percentOf(item);
  if (percent === undefined) return `• ${item.title}${item.body ? ` - ${item.body}` : ''}`;
  const filled = Math.round((width * percent) / 100);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const mark = percent >= 100 ? '✔' : ' ';
  return `${mark} ${item.title.slice(0, 30).padEnd(30)} ${bar} ${String(Math.round(percent)).padStart(3)}%  ${item.body}`;
}

/**
 * Terminal view: one line per task (collapse key), redrawn in place as updates come
 * (ANSI cursor moves); other messages print above. Off a terminal every update is a
 * new line (logs, pipes, tests).
 */
export class WatchView {
  readonly #lines = new Map<string, string>();
  #drawn = 0;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly tty: boolean,
  ) {}

  show(item: WatchedItem): void {
    const line = watchLine(item);
    if (!this.tty) {
      this.out.write(`${line}\n`);
      return;
    }
    const key = item.collapseKey ?? undefined;
    // Erase the task block, print what scrolls, redraw the block.
    if (this.#drawn > 0) this.out.write(`\x1b[${this.#drawn}F\x1b[J`);
    if (key === undefined || percentOf(item) === undefined) this.out.write(`${line}\n`);
    else this.#lines.set(key, line);
    for (const text of this.#lines.values()) this.out.write(`${text}\n`);
    this.#drawn = this.#lines.size;
  }
}
