import { topicNames, type ConsumedRecord, type OutputMessage } from '@herald/core';
import { writeCancellations } from './cancel-step.js';
import { claimEvents, claimMatches, claimsOf } from './dedupe-claims.js';
import { decodeChunk } from './decode-step.js';
import { matchItems } from './match-step.js';
import { eventOutputs } from './outputs.js';
import { planItems } from './plan-step.js';
import { holdBack } from './hold-step.js';
import type { RecordSpan, RoutingPorts, RoutingSettings } from './ports.js';
import { oversizedOutput, rejectedRecord } from './rejection.js';

/** The router's stage logic: a chunk of herald.events records in, its outputs out. */
export interface Routing {
  /** Throws only when a dependency is down (registry, recipient store): retry the chunk. */
  handle(records: readonly ConsumedRecord[]): Promise<OutputMessage[]>;
}

/**
 * The routing algorithm, step by step over a chunk: decode (undecodable →
 * herald.events.rejected), claim event ids (a duplicate keeps no match), match the
 * rules, claim rule dedupe keys, evaluate recipients and load the ids they name, plan,
 * then the outputs of each event: jobs with `queued`/`deferred` statuses and
 * `suppressed` statuses — or, when one of them is over the record limit, the event's
 * rejection instead, its dedupe marks released. One `process` span per record is open
 * while its chunk is handled.
 */
export function createRouting(settings: RoutingSettings, ports: RoutingPorts): Routing {
  const topics = topicNames(settings.topicPrefix);
  const { metrics, dedupe } = ports;
  const log = ports.logger;
  const outputContext = { topics, defaultTenant: settings.defaultTenant, metrics, log };

  function reject(
    record: ConsumedRecord,
    code: string,
    reason: string,
    trace: Record<string, string> | undefined,
  ): OutputMessage {
    metrics.rejected(code);
    log.info(
      { code, reason, partition: record.partition, offset: record.offset },
      'event rejected',
    );
    return rejectedRecord(record, {
      topic: topics.rejected,
      code,
      reason,
      trace,
      maxRecordBytes: settings.maxRecordBytes,
    });
  }

  async function handleChunk(
    records: readonly ConsumedRecord[],
    spans: readonly RecordSpan[],
  ): Promise<OutputMessage[]> {
    const ruleSet = ports.rules.current; // one set for the whole chunk
    const at = ports.now();
    const { items, rejected } = await decodeChunk(records, spans, ports, (r, code, reason, s) =>
      reject(r, code, reason, s.headers),
    );
    const outputs: OutputMessage[] = [...rejected];
    if (dedupe !== undefined) await claimEvents(dedupe, items, settings);
    matchItems(items, ruleSet, at, { defaultTenant: settings.defaultTenant, metrics, log });
    if (dedupe !== undefined) await claimMatches(dedupe, items, settings);
    await writeCancellations(items, ruleSet, at, {
      defaultTenant: settings.defaultTenant,
      cancels: ports.cancels,
      log,
    });
    const plans = await holdBack(
      items,
      await planItems(items, at, {
        defaultTenant: settings.defaultTenant,
        recipients: ports.recipients,
      }),
      at,
      {
        inhibitions: ruleSet.inhibitions,
        silences: ports.silences,
        inhibition: ports.inhibition,
        defaultTenant: settings.defaultTenant,
        keyPrefix: settings.topicPrefix,
      },
    );
    const released: { key: string; owner: string }[] = [];
    items.forEach((item, n) => {
      const routed = eventOutputs(item, plans[n]!, at, outputContext);
      const tooLarge = oversizedOutput(routed, settings.maxRecordBytes, topics.status);
      if (tooLarge === undefined) {
        outputs.push(...routed);
        return;
      }
      outputs.push(reject(item.record, tooLarge.code, tooLarge.message, item.headers));
      // Not routed: its dedupe marks must not turn the producer's fixed resend into a duplicate.
      released.push(...claimsOf(item, settings.topicPrefix));
    });
    await dedupe?.release(released);
    return outputs;
  }

  return {
    async handle(records) {
      const spans = records.map((record) => ports.tracing.open(record));
      try {
        const outputs = await handleChunk(records, spans);
        for (const span of spans) span.end();
        return outputs;
      } catch (err) {
        for (const span of spans) span.end(err);
        throw err;
      }
    },
  };
}
