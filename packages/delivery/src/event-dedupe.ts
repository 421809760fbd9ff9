import { deterministicId, type CloudEvent, type Logger } from '@herald/core';
import { FailOpenRedis } from './fail-open-redis.js';
import { MarkScript, type MarksRedis } from './marks-redis.js';

/** Deletes KEYS[1] only while it holds ARGV[1] (another owner's mark stays). */
const RELEASE = new MarkScript(
  `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`,
);

/** What every event key holds after the prefix (rule dedupe keys do not). */
const EVENT_KEY = 'herald:event:{';

/** One claim: a key to set for `windowMs` unless it holds a different owner. */
export interface DedupeClaim {
  readonly key: string;
  /** Who claims: the event's Kafka position (event dedupe) or the event id (rule dedupe). */
  readonly owner: string;
  readonly windowMs: number;
}

/**
 * The router's dedupe marks in Redis, beside the worker's idempotency marks. A claim is `SET key owner NX PX window`; when the key is
 * already set, its value is read back: the same owner means the same record or
 * event came again (a redelivery after a crash, before offsets were committed),
 * which must be planned again — deterministic ids absorb the copies — not
 * dropped. Only a different owner is a duplicate.
 *
 * When Redis is unreachable or slow (past `timeoutMs`), claims fail open: every
 * claim is granted and a warning is logged (at most once per 10 s). A duplicate
 * then costs a second delivery attempt, and within one event the deterministic
 * notification ids still let the worker's idempotency absorb it; dropping events
 * because a cache is down would lose them.
 *
 * Keys use a hash tag (`{...}`), so each lives in one Redis Cluster slot; a chunk's
 * claims go out in one round trip per node (`MarksRedis`).
 */
export class RedisDedupe extends FailOpenRedis {
  /** `redis`: `new MarksRedis(url, { timeoutMs })`, not yet connected. */
  constructor(redis: MarksRedis, logger: Logger) {
    super(redis, logger, 'dedupe fails open (events are planned, duplicates are not dropped)');
  }

  /** For readiness: resolves when Redis answers, throws otherwise (dedupe itself fails open). */
  async ping(): Promise<void> {
    await this.redis.ping();
  }

  /** The key of an event id: CloudEvents ids are unique per source. */
  static eventKey(prefix: string, event: CloudEvent): string {
    return `${prefix}${EVENT_KEY}${deterministicId(event.source, event.id)}}`;
  }

  /** For each claim, true when granted (first, or the same owner again). Never throws. */
  async claim(claims: readonly DedupeClaim[]): Promise<boolean[]> {
    if (claims.length === 0) return [];
    try {
      const { replies } = await this.redis.setMany(
        claims.map((c) => ({ key: c.key, value: c.owner, ttlMs: c.windowMs, ifAbsent: true })),
      );
      const granted = replies.map((reply) => reply === 'OK');
      const taken = claims.flatMap((c, i) => (granted[i] ? [] : [i]));
      if (taken.length === 0) return granted;
      const owners = await this.redis.getMany(taken.map((i) => claims[i]!.key));
      const refused: { key: string; owner: string; heldBy: string }[] = [];
      taken.forEach((claimIndex, j) => {
        const owner = owners[j] ?? null;
        const claim = claims[claimIndex]!;
        // Expired between SET and GET: nobody holds it any more, so the claim stands.
        granted[claimIndex] = owner === null || owner === claim.owner;
        if (!granted[claimIndex] && claim.key.includes(EVENT_KEY))
          refused.push({ key: claim.key, owner: claim.owner, heldBy: String(owner) });
      });
      // Who held each refused event key: a duplicate that is really the same event
      // handled under another owner (issue 18's missing events) shows here, at the level
      // the chaos runs keep. Event duplicates are rare (a producer's resend), so one line
      // per chunk; rule dedupe keys are refused in normal operation and are not logged.
      if (refused.length > 0)
        this.log.warn(
          { refused: refused.length, examples: refused.slice(0, 3) },
          'dedupe claims refused: held by another owner',
        );
      return granted;
    } catch (err) {
      this.warn(err);
      return claims.map(() => true);
    }
  }

  /**
   * Gives up claims that are still this owner's (an event rejected after its claims
   * were granted: the producer may send it again, fixed, with the same id). Never
   * throws: a mark left behind only expires with its window.
   */
  async release(claims: readonly Pick<DedupeClaim, 'key' | 'owner'>[]): Promise<void> {
    if (claims.length === 0) return;
    try {
      await this.redis.evalMany(
        RELEASE,
        claims.map((c) => ({ key: c.key, args: [c.owner] })),
      );
    } catch (err) {
      this.warn(err);
    }
  }
}
