/**
 * The contract between a stage's logic and the Kafka consumer that runs it: records
 * in, output messages out. It lives in core, not in @herald/kafka, so stage logic
 * (routing, delivery) is written and unit-tested without a Kafka client; @herald/kafka
 * re-exports both types.
 */

/** Record header values as the Kafka client hands them over. */
export type RecordHeaders = {
  [name: string]: Buffer | string | (Buffer | string)[] | undefined;
};

/** One record as a stage handler sees it. */
export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: RecordHeaders;
  /** Broker timestamp (ms since epoch) of the record. */
  readonly timestamp: number;
}

/** A message a handler wants published; published before the input offsets commit. */
export interface OutputMessage {
  readonly topic: string;
  readonly key: string | null;
  readonly value: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}
