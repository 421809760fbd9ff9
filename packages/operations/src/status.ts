/*
 * What `herald status` and `GET /v1/status` show: whether Kafka, Postgres and Redis
 * answer, each Herald consumer group's lag, the DLQ backlog, the circuit breakers the
 * workers publish to Redis. Moved from the CLI so both read it the same way.
 */
import { connect } from 'node:net';
import type { Cluster, Redis } from 'ioredis';
import { topicNames, withTimeout } from '@herald/core';
import type { BreakerStateEntry } from '@herald/delivery';
import { kafkaAdmin, type KafkaAdmin, type KafkaClient, type PartitionEnds } from '@herald/kafka';
import { partitionLag } from '@herald/telemetry/lag';

/** Where the services are and how to reach Kafka and Redis: the CLI's settings or the api's. */
export interface StatusSource {
  readonly kafkaBrokers: readonly string[];
  readonly databaseUrl: string;
  readonly redisUrl?: string | undefined;
  readonly topicPrefix: string;
  readonly kafka: () => Promise<KafkaClient> | KafkaClient;
  /** Runs `body` with Redis; absent = Redis is not configured. */
  readonly withRedis?: <T>(body: (redis: Redis | Cluster) => Promise<T>) => Promise<T>;
}

export interface ServiceState {
  readonly name: 'kafka' | 'postgres' | 'redis';
  readonly address: string;
  readonly up: boolean;
  readonly error?: string;
}

export interface GroupLag {
  readonly group: string;
  /** The group coordinator's view: Stable, Empty, PreparingRebalance, Dead, … */
  readonly state: string;
  readonly members: number;
  /** `null` when the group has committed nothing yet. */
  readonly topic: string | null;
  readonly lag: number | null;
}

export interface StatusReport {
  readonly services: ServiceState[];
  readonly consumerGroups: GroupLag[] | { readonly error: string };
  readonly dlq: { readonly topic: string; readonly messages: number } | { readonly error: string };
  readonly breakers: BreakerStateEntry[] | { readonly error: string };
}

const TIMEOUT_MS = 10_000;

const answered = <T>(what: string, promise: Promise<T>): Promise<T> =>
  withTimeout(promise, TIMEOUT_MS, `${what}: no answer within ${TIMEOUT_MS} ms`);

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Whether something accepts TCP connections at host:port (within 2 s). */
function reachable(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    const done = (error?: string) => {
      socket.destroy();
      resolve(error);
    };
    socket.once('connect', () => done());
    socket.once('timeout', () => done('no answer within 2000 ms'));
    socket.once('error', (err) => done(err.message));
  });
}

function hostPort(url: string, defaultPort: number): { host: string; port: number } {
  // redis+cluster://a:1,b:2: the first seed node stands for the cluster.
  const parsed = new URL(url.replace(/^(rediss?)\+cluster:\/\/([^,/]*).*$/, '$1://$2'));
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port === '' ? defaultPort : Number(parsed.port),
  };
}

async function services(source: StatusSource): Promise<ServiceState[]> {
  const targets: { name: ServiceState['name']; host: string; port: number }[] = [
    ...source.kafkaBrokers.map((b) => ({
      name: 'kafka' as const,
      ...hostPort(`k://${b}`, 9092),
    })),
    { name: 'postgres', ...hostPort(source.databaseUrl, 5432) },
    ...(source.redisUrl ? [{ name: 'redis' as const, ...hostPort(source.redisUrl, 6379) }] : []),
  ];
  return Promise.all(
    targets.map(async (t) => {
      const error = await reachable(t.host, t.port);
      return {
        name: t.name,
        address: `${t.host}:${t.port}`,
        up: error === undefined,
        ...(error === undefined ? {} : { error }),
      };
    }),
  );
}

async function lagOf(
  admin: KafkaAdmin,
  group: string,
  topic: string,
  ends: Map<string, Promise<PartitionEnds[]>>,
): Promise<number> {
  if (!ends.has(topic)) ends.set(topic, admin.topicOffsets(topic));
  const [end, committed] = await Promise.all([
    ends.get(topic)!,
    admin.groupOffsets(group, [topic]),
  ]);
  const offsets = new Map(
    (committed.find((t) => t.topic === topic)?.partitions ?? []).map((p) => [
      p.partition,
      p.offset,
    ]),
  );
  return end.reduce(
    (sum, p) => sum + partitionLag(offsets.get(p.partition) ?? '-1', p.high, p.low),
    0,
  );
}

/** Herald's consumer groups (`<prefix>herald-*`, not the CLI's own) and their lag per topic. */
async function consumerGroups(
  admin: KafkaAdmin,
  prefix: string,
  existing: ReadonlySet<string>,
): Promise<GroupLag[]> {
  const ends = new Map<string, Promise<PartitionEnds[]>>();
  const ids = (await admin.listGroups())
    .filter((id) => id.startsWith(`${prefix}herald-`) && !id.startsWith(`${prefix}herald-cli-`))
    .sort();
  if (ids.length === 0) return [];
  const described = new Map((await admin.describeGroups(ids)).map((g) => [g.groupId, g] as const));
  const rows: GroupLag[] = [];
  for (const group of ids) {
    const info = described.get(group);
    const base = { group, state: info?.state ?? 'Unknown', members: info?.members ?? 0 };
    // Without topics: every topic the group committed offsets on.
    const topics = (await admin.groupOffsets(group)).map((t) => t.topic).sort();
    if (topics.length === 0) rows.push({ ...base, topic: null, lag: null });
    for (const topic of topics)
      rows.push({
        ...base,
        topic,
        // Offsets outlive a deleted topic; asking for its end would only retry and fail.
        lag: existing.has(topic) ? await lagOf(admin, group, topic, ends) : null,
      });
  }
  return rows;
}

/** Breaker states the workers published (docs/reliability.md, "Breaker state in herald status"). */
export async function readBreakerStates(
  redis: Redis | Cluster,
  prefix: string,
  now = Date.now(),
): Promise<BreakerStateEntry[]> {
  const { breakerIndexKey, breakerStateKey } = await import('@herald/delivery');
  const endpoints = await redis.zrange(breakerIndexKey(prefix), '0', '-1');
  if (endpoints.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const endpoint of endpoints) pipeline.hgetall(breakerStateKey(prefix, endpoint));
  const results = (await pipeline.exec()) ?? [];
  const entries: BreakerStateEntry[] = [];
  for (const [err, fields] of results) {
    if (err) throw err;
    for (const value of Object.values(fields as Record<string, string>)) {
      const entry = JSON.parse(value) as BreakerStateEntry;
      if (entry.expiresAt >= now) entries.push(entry);
    }
  }
  return entries.sort(
    (a, b) => a.endpoint.localeCompare(b.endpoint) || a.worker.localeCompare(b.worker),
  );
}

function breakers(source: StatusSource): Promise<BreakerStateEntry[]> {
  return source.withRedis!((redis) =>
    answered('redis', readBreakerStates(redis, source.topicPrefix)),
  );
}

/**
 * Dead letters not replayed yet: past the replay group's offset (as herald_dlq_messages),
 * less those `herald dlq replay` marked in Redis as replayed past it.
 */
async function notReplayed(
  source: StatusSource,
  admin: KafkaAdmin,
  topic: string,
  redisUp: boolean,
): Promise<number> {
  const group = `${source.topicPrefix}herald-dlq-replay`;
  const [ends, committed] = await Promise.all([
    admin.topicOffsets(topic),
    admin.groupOffsets(group, [topic]),
  ]);
  const done = new Map(
    (committed.find((t) => t.topic === topic)?.partitions ?? []).map((p) => [
      p.partition,
      p.offset,
    ]),
  );
  const marks =
    redisUp && source.withRedis
      ? await source
          .withRedis(async (redis) => {
            const { replayMarksKey } = await import('@herald/delivery');
            return redis.smembers(replayMarksKey(topic));
          })
          .catch(() => [])
      : [];
  return ends.reduce((sum, p) => {
    const waiting = partitionLag(done.get(p.partition) ?? '-1', p.high, p.low);
    const watermark = BigInt(p.high) - BigInt(waiting);
    const marked = marks.filter((m) => {
      const [partition, offset] = m.split(':');
      return (
        Number(partition) === p.partition &&
        BigInt(offset!) >= watermark &&
        BigInt(offset!) < BigInt(p.high)
      );
    }).length;
    return sum + waiting - marked;
  }, 0);
}

/** Everything `herald status` shows; parts that cannot be read carry their error. */
export async function collectStatus(source: StatusSource): Promise<StatusReport> {
  const prefix = source.topicPrefix;
  const topics = topicNames(prefix);
  const serviceStates = await services(source);
  const kafkaUp = serviceStates.some((s) => s.name === 'kafka' && s.up);
  const redisUp = serviceStates.some((s) => s.name === 'redis' && s.up);
  let groups: StatusReport['consumerGroups'] = { error: 'kafka unreachable' };
  let dlq: StatusReport['dlq'] = { error: 'kafka unreachable' };
  if (kafkaUp) {
    const admin = kafkaAdmin(await source.kafka());
    try {
      await answered('kafka', admin.connect());
      const existing = new Set(await answered('topics', admin.listTopics()));
      groups = await answered('consumer groups', consumerGroups(admin, prefix, existing)).catch(
        (err: unknown) => ({ error: message(err) }),
      );
      dlq = await answered(
        'dlq',
        existing.has(topics.dlq)
          ? notReplayed(source, admin, topics.dlq, redisUp)
          : Promise.resolve(0),
      ).then(
        (messages) => ({ topic: topics.dlq, messages }),
        (err: unknown) => ({ error: message(err) }),
      );
    } catch (err) {
      groups = { error: message(err) };
      dlq = { error: message(err) };
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
  const breakerStates: StatusReport['breakers'] =
    redisUp && source.withRedis
      ? await breakers(source).catch((err: unknown) => ({ error: message(err) }))
      : { error: source.withRedis ? 'redis unreachable' : 'redis not configured' };
  return { services: serviceStates, consumerGroups: groups, dlq, breakers: breakerStates };
}
