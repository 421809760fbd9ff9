/** A message a handler wants published; published before the input offsets commit. */
export interface OutputMessage {
  readonly topic: string;
  readonly key: string | null;
  readonly value: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}
