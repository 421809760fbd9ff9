import { DependencyError } from '../dependency-error.js';
import { createLeases, type Chunk } from './leases.js';
import { createOutputs } from './outputs.js';
import { createJobProcessor } from './process-job.js';
import type { ConsumedRecord, OutputMessage, PipelineDeps } from './ports.js';

/**
 * One delivery attempt per record: wait (delay lane) → idempotency lease → rate
 * limit → circuit breaker → send → sent mark / retry lane / dead letter, each with its
 * status event. Per chunk: `prepare` (decode, take the leases), `processRecord` for each
 * record (in key order, concurrently across keys), then `finish` (write the sent marks).
 * `processRecord` returns the record's output messages; it throws only a DependencyError
 * (Redis down), or a crash the poison counter has not yet given up on.
 */
export function createDeliveryPipeline(deps: PipelineDeps) {
  const { log } = deps;
  const outputs = createOutputs(deps);
  const leases = createLeases(deps);
  const processJob = createJobProcessor(deps, outputs, leases);
  const crashes = new Map<string, number>();
  const crashKey = (record: ConsumedRecord) =>
    `${record.topic}/${record.partition}/${record.offset}`;

  /** One record of a `prepare`d chunk → its outputs; undecodable and repeatedly crashing records are dead-lettered. */
  async function processRecord(
    record: ConsumedRecord,
    signal: AbortSignal,
    chunk: Chunk,
  ): Promise<OutputMessage[]> {
    const decoded = chunk.prepared.get(record)!;
    if ('error' in decoded) {
      const err = decoded.error;
      log.warn(
        { err, topic: record.topic, partition: record.partition, offset: record.offset },
        'malformed job; dead-lettered',
      );
      return outputs.deadLetter(record, 'malformed', err.message, undefined, []);
    }
    const { job } = decoded;
    try {
      const out = await processJob(record, job, signal, decoded.lease, chunk.marks);
      // No key string per job while nothing has crashed.
      if (crashes.size > 0) crashes.delete(crashKey(record));
      return out;
    } catch (err) {
      if (err instanceof DependencyError || signal.aborted) throw err;
      const key = crashKey(record);
      const tries = (crashes.get(key) ?? 0) + 1;
      log.error({ err, notificationId: job.notificationId, tries }, 'handler crashed on a job');
      if (tries < deps.poisonMaxTries) {
        crashes.set(key, tries);
        throw err;
      }
      crashes.delete(key);
      const reason = `handler crashed ${tries} times: ${(err as Error).message}`;
      return outputs.deadLetter(record, 'poison', reason, job, [
        ...(job.history ?? []),
        outputs.attemptRecord(job, 'crashed', reason),
      ]);
    }
  }

  return { prepare: leases.prepare, processRecord, finish: leases.finish };
}

export type DeliveryPipeline = ReturnType<typeof createDeliveryPipeline>;
