import type { Admin } from 'kafkajs';

export interface LagPoint {
  readonly second: number;
  readonly lag: Record<string, number>;
}

/** Consumer-group lag (end offset − committed offset, summed over partitions), once a second. */
export class LagSampler {
  readonly points: LagPoint[] = [];
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> = Promise.resolve();

  constructor(
    readonly admin: Admin,
    readonly groups: Readonly<Record<string, string>>,
  ) {}

  start(): void {
    const started = Date.now();
    this.#timer = setInterval(() => {
      this.#inFlight = this.#sample(Math.round((Date.now() - started) / 1000)).catch(
        () => undefined,
      );
    }, 1000);
  }

  async #sample(second: number): Promise<void> {
    const lag: Record<string, number> = {};
    for (const [group, topic] of Object.entries(this.groups)) {
      const [ends, committed] = await Promise.all([
        this.admin.fetchTopicOffsets(topic),
        this.admin.fetchOffsets({ groupId: group, topics: [topic] }),
      ]);
      const done = new Map(
        committed[0]?.partitions.map((p) => [p.partition, Math.max(0, Number(p.offset))]) ?? [],
      );
      lag[group] = ends.reduce((sum, p) => sum + Number(p.high) - (done.get(p.partition) ?? 0), 0);
    }
    this.points.push({ second, lag });
  }

  /** Stops sampling and waits for a sample in flight, so no admin request outlives the run. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#inFlight;
  }
}
