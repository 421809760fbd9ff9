import { parseDuration } from '../rules/duration.js';
import { matchesAll, parseMatchers, type LabelMatcher } from './matchers.js';

/**
 * A silence (Alertmanager's word): matching notifications are not sent, from
 * `startsAt` until `endsAt`, and get a `suppressed` status with reason `silenced` and
 * the silence's id. Stored in Postgres (`herald silences create|list|expire`).
 */
export interface Silence {
  readonly id: string;
  readonly matchers: readonly LabelMatcher[];
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly createdBy: string;
  readonly comment: string;
}

/** The first silence active at `now` whose matchers all match the labels. */
export function silenceFor(
  silences: readonly Silence[],
  labels: Readonly<Record<string, string>>,
  now: Date,
): Silence | undefined {
  const t = now.getTime();
  return silences.find(
    (s) => s.startsAt.getTime() <= t && t < s.endsAt.getTime() && matchesAll(s.matchers, labels),
  );
}

/** What `herald silences create` asks for, as typed. */
export interface SilenceRequest {
  readonly matchers: readonly string[];
  /** ISO time or a duration from now (`2h`); required. */
  readonly ends?: string;
  /** ISO time; default now. */
  readonly starts?: string;
  readonly createdBy?: string;
  readonly comment?: string;
}

/** One refused field of a silence request and what is wrong with it. */
export interface SilenceFieldProblem {
  readonly field: 'matchers' | 'starts' | 'ends' | 'createdBy' | 'comment';
  readonly message: string;
}

/**
 * Checks a silence request: valid matchers (at least one that names a value), an end
 * that is after the start and in the future, a creator and a comment. Every problem
 * at once, each saying what to do.
 */
export function checkSilenceRequest(
  request: SilenceRequest,
  now: Date,
):
  | {
      ok: true;
      silence: Omit<Silence, 'id'>;
    }
  | { ok: false; problems: string[]; fields: SilenceFieldProblem[] } {
  // Each problem names the request field it is about, so the API can point at it.
  const fields: SilenceFieldProblem[] = [];
  const add = (field: SilenceFieldProblem['field'], message: string) =>
    fields.push({ field, message });
  const parsed = parseMatchers(request.matchers);
  if (!parsed.ok) for (const p of parsed.problems) add('matchers', p);
  const startsAt = request.starts === undefined ? now : timeOf(request.starts, now);
  if (startsAt === undefined)
    add('starts', `--starts "${request.starts}" is not an ISO time such as 2026-12-24T18:00:00Z`);
  let endsAt: Date | undefined;
  if (request.ends === undefined || request.ends.trim() === '') {
    add('ends', 'a silence needs an end: --ends 2h or --ends 2026-12-24T18:00:00Z');
  } else {
    endsAt = timeOf(request.ends, startsAt ?? now);
    if (endsAt === undefined)
      add(
        'ends',
        `--ends "${request.ends}" is neither an ISO time nor a duration such as 30m or 2h`,
      );
    else if (endsAt.getTime() <= now.getTime())
      add('ends', `--ends ${endsAt.toISOString()} is in the past; give a future time`);
    else if (startsAt !== undefined && endsAt.getTime() <= startsAt.getTime())
      add('ends', `--ends ${endsAt.toISOString()} is not after --starts ${startsAt.toISOString()}`);
  }
  if ((request.createdBy ?? '').trim() === '')
    add('createdBy', 'a silence needs a creator: --created-by you@example.com');
  if ((request.comment ?? '').trim() === '')
    add('comment', 'a silence needs a comment saying why: --comment "maintenance of db-1"');
  if (fields.length > 0 || !parsed.ok)
    return { ok: false, problems: fields.map((f) => f.message), fields };
  return {
    ok: true,
    silence: {
      matchers: parsed.matchers,
      startsAt: startsAt!,
      endsAt: endsAt!,
      createdBy: request.createdBy!.trim(),
      comment: request.comment!.trim(),
    },
  };
}

/** An ISO time, or a duration after `from`. */
function timeOf(text: string, from: Date): Date | undefined {
  const ms = parseDuration(text.trim());
  if (ms !== undefined) return new Date(from.getTime() + ms);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text)) return undefined;
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : new Date(t);
}
