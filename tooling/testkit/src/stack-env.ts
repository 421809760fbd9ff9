import { randomBytes } from 'node:crypto';

export interface StackEnv {
  readonly KAFKA_BROKERS: string;
  readonly DATABASE_URL: string;
  readonly REDIS_URL: string;
}

/**
 * The local stack's addresses. Jest's global setup (tooling/jest/global-setup.js)
 * starts the stack and sets them when they are not already set.
 */
export function stackEnv(): StackEnv {
  const missing = ['KAFKA_BROKERS', 'DATABASE_URL', 'REDIS_URL'].filter(
    (name) => !process.env[name],
  );
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(', ')} not set: run the tests through jest (its global setup starts the local stack) or export them from 'deploy/local/stack.sh env'`,
    );
  }
  return {
    KAFKA_BROKERS: process.env.KAFKA_BROKERS!,
    DATABASE_URL: process.env.DATABASE_URL!,
    REDIS_URL: process.env.REDIS_URL!,
  };
}

/**
 * HERALD_TOPIC_REPLICATION and HERALD_TOPIC_MIN_INSYNC_REPLICAS when the environment
 * sets them (`deploy/local/stack.sh cluster env` does), for the apps a test builds.
 */
export function stackTopicSettings(): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const name of ['HERALD_TOPIC_REPLICATION', 'HERALD_TOPIC_MIN_INSYNC_REPLICAS']) {
    const value = process.env[name];
    if (value) settings[name] = value;
  }
  return settings;
}

/** A prefix unique to this test run, for topics, consumer groups and keys: `t-1a2b3c4d.` */
export function uniquePrefix(): string {
  return `t-${randomBytes(4).toString('hex')}.`;
}
