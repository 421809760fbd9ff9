import pLimit from 'p-limit';
import type { DeliveryPipeline } from './create-pipeline.js';
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
  const limit = pLimit(options.concurrency);
  const around = options.around ?? ((_record, process) => process());
  return {
    async handle(
      records: readonly ConsumedRecord[],
      signal: AbortSignal,
    ): Promise<OutputMessage[]> {
      // One lane per key keeps a recipient's messages in order; lanes run concurrently.
      const lanes = new Map<string, ConsumedRecord[]>();
      for (const record of records) {
        const key = record.key?.toString() ?? `offset:${record.offset}`;
        const lane = lanes.get(key);
        if (lane) lane.push(record);
        else lanes.set(key, [record]);
      }
      const chunk = await pipeline.prepare(records);
      const results = new Map<ConsumedRecord, OutputMessage[]>();
      const settled = await Promise.allSettled(
        [...lanes.values()].map((lane) =>
          limit(async () => {
            for (const record of lane) {
              const out = await around(record, () => pipeline.processRecord(record, signal, chunk));
              results.set(record, out);
            }
          }),
        ),
      );
      // Marks of the jobs sent, even when another job failed: the retried chunk must
      // find them sent, not send them again.
      await pipeline.finish(chunk);
      const failure = settled.find((s) => s.status === 'rejected');
      if (failure) throw (failure as PromiseRejectedResult).reason;
      return records.flatMap((r) => results.get(r)!);
    },
  };
}
