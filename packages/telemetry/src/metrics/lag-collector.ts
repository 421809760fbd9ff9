import type { Logger } from '@herald/core';
import type { HeraldMetrics } from './herald-metrics.js';

/**
 * The part of the Kafka admin client the lag collector calls (pass the client that
 * @herald/kafka's `connectAdmin()` returns). A structural port, so the telemetry package
 * needs no Kafka client.
 */
export interface LagAdmin {
  fetchOffsets(options: {
    groupId: string;
    topics: string[];
  }): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>>;
  fetchTopicOffsets(
    topic: string,
  ): Promise<Array<{ partition: number; high: string; low: string }>>;
}

export interface LagCollectorConfig {
  readonly admin: LagAdmin;
  readonly metrics: HeraldMetrics;
  /** The consumer groups this app runs and the topics each reads. */
  readonly groups: ReadonlyArray<{ readonly group: string; readonly topics: readonly string[] }>;
  /**
   * The DLQ topic and the group that replays it: `herald_dlq_messages` = end offset
   * minus that group's committed offset (or minus the oldest retained record).
   */
  readonly dlq?: { readonly topic: string; readonly replayGroup: string };
  /** Period of the background reads (HERALD_LAG_INTERVAL_MS); 0 = only on `collect()`. */
  readonly intervalMs: number;
  readonly logger: Logger;
}

export interface PartitionLag {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly lag: number;
}

export interface LagCollector {
  /** Reads the offsets once and updates the gauges; returns what it measured. */
  collect(): Promise<{ lag: PartitionLag[]; dlq?: number }>;
  start(): void;
  stop(): void;
}

/**
 * Records not yet processed by one group on one partition. A group that never
 * committed on a partition will read it from the start (Herald's consumers start at
 * the earliest offset), so its lag is everything retained.
 */
export function partitionLag(committed: string, high: string, low: string): number {
  const end = BigInt(high);
  const start = committed === '-1' || committed === '' ? BigInt(low) : BigInt(committed);
  const lag = end - (start < BigInt(low) ? BigInt(low) : start);
  return lag > 0n ? Number(lag) : 0;
}

async function groupLag(admin: LagAdmin, group: string, topic: string): Promise<PartitionLag[]> {
  const [ends, committed] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId: group, topics: [topic] }),
  ]);
  const byPartition = new Map(
    (committed.find((t) => t.topic === topic)?.partitions ?? []).map((p) => [
      p.partition,
      p.offset,
    ]),
  );
  return ends.map((end) => ({
    group,
    topic,
    partition: end.partition,
    lag: partitionLag(byPartition.get(end.partition) ?? '-1', end.high, end.low),
  }));
}

/**
 * Exports consumer lag per group, topic and partition (`herald_consumer_lag_messages`)
 * and the DLQ backlog (`herald_dlq_messages`), read with the admin client's
 * `fetchOffsets` (committed) against `fetchTopicOffsets` (end). Every replica of a
 * group exports the same figures: aggregate with `max by (group, topic, partition)`.
 *
 * @example
 * const lag = createLagCollector({ admin, metrics, intervalMs: env.HERALD_LAG_INTERVAL_MS,
 *   groups: [{ group: consumerGroups.worker('webhook', prefix), topics: [topics.deliveries('webhook')] }],
 *   logger });
 * lag.start(); // … lag.stop() in stop()
 */
export function createLagCollector(config: LagCollectorConfig): LagCollector {
  const { consumerLag, dlqMessages } = config.metrics.m;
  const log = config.logger.child({ component: 'lag-collector' });
  let timer: ReturnType<typeof setInterval> | undefined;
  let running: Promise<{ lag: PartitionLag[]; dlq?: number }> | undefined;

  async function read() {
    const lag: PartitionLag[] = [];
    for (const { group, topics } of config.groups) {
      for (const topic of topics) lag.push(...(await groupLag(config.admin, group, topic)));
    }
    for (const p of lag) {
      consumerLag.set({ group: p.group, topic: p.topic, partition: String(p.partition) }, p.lag);
    }
    if (config.dlq === undefined) return { lag };
    const dlqLag = await groupLag(config.admin, config.dlq.replayGroup, config.dlq.topic);
    const dlq = dlqLag.reduce((sum, p) => sum + p.lag, 0);
    dlqMessages.set({ topic: config.dlq.topic }, dlq);
    return { lag, dlq };
  }

  const collect = () =>
    (running ??= read().finally(() => {
      running = undefined;
    }));

  return {
    collect,
    start() {
      if (timer !== undefined || config.intervalMs <= 0) return;
      const tick = () =>
        void collect().catch((err: unknown) =>
          log.warn({ err }, 'consumer lag not read; keeping the last figures'),
        );
      tick();
      timer = setInterval(tick, config.intervalMs);
      timer.unref();
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}
