/**
 * How far herald.dlq has been replayed, per partition: the `herald-dlq-replay` consumer
 * group's committed offset is the first record not yet replayed, so `herald_dlq_messages`,
 * `herald status` and `herald dlq list` agree on what is still waiting (end offset minus
 * that offset). A replay moves it over every record it handled that directly follows it;
 * records replayed past an older, still waiting one count as waiting until that one is
 * replayed too (a consumer group keeps one offset per partition, not a set).
 *
 * @example
 * advanceReplayWatermark(2n, 0n, [2n, 3n, 5n]) // 4n: 2 and 3 handled, 4 still waiting
 */
export function advanceReplayWatermark(
  committed: bigint | undefined,
  low: bigint,
  handled: Iterable<bigint>,
): bigint {
  // Nothing committed yet, or records deleted by retention: start at the oldest record kept.
  let next = committed === undefined || committed < low ? low : committed;
  const done = new Set(handled);
  while (done.has(next)) next++;
  return next;
}

/** The committed offset as kafkajs' fetchOffsets reports it ('-1' or '' for none). */
export function committedOffset(offset: string): bigint | undefined {
  return offset === '' || offset === '-1' ? undefined : BigInt(offset);
}

/**
 * The Redis set of herald.dlq records replayed past the watermark ("partition:offset"),
 * for replays that pick a later record before an older one. Kafka's offset stays the
 * durable truth: losing the set only shows those records as waiting again.
 */
export function replayMarksKey(dlqTopic: string): string {
  return `herald:dlq-replayed:${dlqTopic}`;
}
