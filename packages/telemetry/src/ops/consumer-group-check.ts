/**
 * The part of a kafkajs consumer the check listens to (`consumer.on`, `consumer.events`).
 */
export interface InstrumentableConsumer {
  readonly events: {
    readonly GROUP_JOIN: string;
    readonly STOP: string;
    readonly CRASH: string;
    readonly DISCONNECT: string;
  };
  on(event: string, listener: (event: { payload?: unknown }) => void): unknown;
}

export interface ConsumerGroupCheck {
  /** A readiness check: passes while the consumer is a member of its group. */
  readonly check: () => boolean;
  /** Whether the consumer has joined its group and not stopped, crashed or disconnected since. */
  readonly joined: () => boolean;
}

/**
 * Follows a kafkajs consumer's instrumentation events: ready after `GROUP_JOIN`, not
 * ready after `STOP`, `CRASH` or `DISCONNECT` until it joins again. Attach it before
 * `consumer.run()`.
 *
 * @example
 * const group = consumerGroupCheck(consumer);
 * await startOpsServer({ port, registry, checks: { consumerGroup: group.check } });
 */
export function consumerGroupCheck(consumer: InstrumentableConsumer): ConsumerGroupCheck {
  let joined = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = true;
  });
  for (const event of [consumer.events.STOP, consumer.events.CRASH, consumer.events.DISCONNECT]) {
    consumer.on(event, () => {
      joined = false;
    });
  }
  return {
    joined: () => joined,
    check: () => {
      if (!joined) throw new Error('consumer has not joined its group');
      return true;
    },
  };
}
