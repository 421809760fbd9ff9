import type { DeliveryPipeline } from './create-pipeline.js';
import { createSlots } from './slots.js';
import type { ConsumedRecord, OutputMessage } from './ports.js';

export interface ChunkHandlerOptions {
  /** Keys (recipients) handled at once. */
  readonly concurrency: number;
  /** Runs one record's processing, e.g. in the record's `process` trace span. */
  readonly around?: (
    record: ConsumedRecord,
    process: () => Promise<OutputMessage[]>,
  ) => Promise<OutputMessage[]>;
}

/**
 * A stage handler over the pipeline: one chunk → `prepare`, every record processed
 * (in order per Kafka key, keys concurrently), `finish`, then the outputs in record
 * order. A record that throws fails the chunk (retried by the stage) after the sent
 * marks of the others are written.
 */
export function createChunkHandler(pipeline: DeliveryPipeline, options: ChunkHandlerOptions) {
  // Shared by the chunks of the handler's partitions that run at once (`concurrency` keys
  // in all), as p-limit's queue was: a chunk's keys start in order, before a later chunk's.
  const slots = createSlots(options.concurrency);
  const around = options.around;
  return {
    async handle(
      records: readonly ConsumedRecord[],
      signal: AbortSignal,
    ): Promise<OutputMessage[]> {
      // One lane per key keeps a recipient's messages in order; lanes run concurrently.
      const byKey = new Map<string, number[]>();
      const lanes: number[][] = [];
      for (let i = 0; i < records.length; i++) {
        const record = records[i]!;
        const key = record.key?.toString() ?? `offset:${record.offset}`;
        const lane = byKey.get(key);
        if (lane) lane.push(i);
        else {
          const created = [i];
          byKey.set(key, created);
          lanes.push(created);
        }
      }
      const chunk = await pipeline.prepare(records);
      const results: OutputMessage[][] = new Array<OutputMessage[]>(records.length);
      const failures: { lane: number; reason: unknown }[] = [];
      const one = (record: ConsumedRecord) => pipeline.processRecord(record, signal, chunk);
      // A few runners, each holding one slot, take the lanes in order and run each lane's
      // records one after another: one promise chain per runner instead of p-limit's
      // promises and microtasks per lane (docs/benchmarks.md, "Round 5 (issue 19): the
      // worker's per-job promise chain"). A lane that throws stops there; the others go on.
      let next = 0;
      const runner = async () => {
        await slots.take();
        try {
          while (next < lanes.length) {
            const index = next++;
            try {
              for (const i of lanes[index]!) {
                const record = records[i]!;
                results[i] = await (around ? around(record, () => one(record)) : one(record));
              }
            } catch (reason) {
              failures.push({ lane: index, reason });
            }
          }
        } finally {
          slots.give();
        }
      };
      const runners: Promise<void>[] = [];
      for (let r = Math.min(options.concurrency, lanes.length); r > 0; r--) runners.push(runner());
      await Promise.all(runners);
      // Marks of the jobs sent, even when another job failed: the retried chunk must
      // find them sent, not send them again.
      await pipeline.finish(chunk);
      if (failures.length > 0) {
        // The first lane's failure in key order, as before.
        throw failures.reduce((a, b) => (b.lane < a.lane ? b : a)).reason;
      }
      return results.flat();
    },
  };
}
