import { HeraldError, type ConsumedRecord, type OutputMessage } from '@herald/core';
import { checkRecordSize, fitOrReference } from '@herald/kafka';

function headerStrings(headers: ConsumedRecord['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = (Array.isArray(value) ? value[0] : value)?.toString() ?? '';
  }
  return out;
}

/**
 * The herald.events.rejected copy of an event: its bytes and headers unchanged, plus
 * the code, reason and source position in `herald-*` headers. The copy must fit the
 * record limit too (an event just under it plus these headers does not): then it
 * carries no value and no original headers, says so (`herald-reject-truncated:
 * value`, `herald-reject-original-bytes`), and the source position points at the original in
 * herald.events, for as long as that topic retains it.
 */
export function rejectedRecord(
  record: ConsumedRecord,
  options: {
    readonly topic: string;
    readonly code: string;
    readonly reason: string;
    readonly trace: Readonly<Record<string, string>> | undefined;
    readonly maxRecordBytes: number;
  },
): OutputMessage {
  const own = {
    ...options.trace,
    'herald-reject-code': options.code,
    'herald-reject-reason': options.reason.slice(0, 1_000),
    'herald-source-topic': record.topic,
    'herald-source-offset': `${record.partition}:${record.offset}`,
  };
  return fitOrReference(
    {
      topic: options.topic,
      key: record.key?.toString() ?? null,
      value: record.value ?? Buffer.alloc(0),
      headers: { ...headerStrings(record.headers), ...own },
    },
    options.maxRecordBytes,
    'herald-reject',
    own,
  );
}

/**
 * The first of an event's outputs over the record limit, as the reason to reject the
 * event whole (`HERALD_ERR_EVENT_TOO_LARGE`) instead of routing it in part: the broker
 * would refuse that record on every try and hold the partition for ever.
 */
export function oversizedOutput(
  outputs: readonly OutputMessage[],
  maxRecordBytes: number,
  statusTopic: string,
): HeraldError | undefined {
  for (const output of outputs) {
    const { fits, bytes } = checkRecordSize(output, maxRecordBytes);
    if (fits) continue;
    const what = output.topic === statusTopic ? 'status' : 'delivery job';
    return new HeraldError('HERALD_ERR_EVENT_TOO_LARGE', [
      `its ${what} for ${output.topic} would be ${bytes} bytes, over the ${maxRecordBytes}-byte record limit (HERALD_KAFKA_MAX_RECORD_BYTES)`,
    ]);
  }
  return undefined;
}
