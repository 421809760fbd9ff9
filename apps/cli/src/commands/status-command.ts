import { connect } from 'node:net';
import type { Command } from 'commander';
import type { RedisClient } from '@herald/delivery';
import type { Kafka } from 'kafkajs';
import { topicNames } from '@herald/core';
import type { BreakerStateEntry } from '@herald/delivery';
import { partitionLag } from '@herald/telemetry/lag';
import { kafkaClient, withRedis, type CommandContext } from './command-context.js';

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

function withTimeout<T>(what: string, promise: Promise<T>, ms = TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

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

async function services(context: CommandContext): Promise<ServiceState[]> {
  const targets: { name: ServiceState['name']; host: string; port: number }[] = [
    ...context.env.KAFKA_BROKERS.map((b) => ({
      name: 'kafka' as const,
      ...hostPort(`k://${b}`, 9092),
    })),
    { name: 'postgres', ...hostPort(context.env.DATABASE_URL, 5432) },
    { name: 'redis', ...hostPort(context.env.REDIS_URL, 6379) },
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

type Admin = ReturnType<Kafka['admin']>;

async function lagOf(
  admin: Admin,
  group: string,
  topic: string,
  ends: Map<string, Promise<{ partition: number; high: string; low: string }[]>>,
): Promise<number> {
  if (!ends.has(topic)) ends.set(topic, admin.fetchTopicOffsets(topic));
  const [end, committed] = await Promise.all([
    ends.get(topic)!,
    admin.fetchOffsets({ groupId: group, topics: [topic] }),
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
  admin: Admin,
  prefix: string,
  existing: ReadonlySet<string>,
): Promise<GroupLag[]> {
  const ends = new Map<string, Promise<{ partition: number; high: string; low: string }[]>>();
  const { groups } = await admin.listGroups();
  const ids = groups
    .map((g) => g.groupId)
    .filter((id) => id.startsWith(`${prefix}herald-`) && !id.startsWith(`${prefix}herald-cli-`))
    .sort();
  if (ids.length === 0) return [];
  const described = new Map(
    (await admin.describeGroups(ids)).groups.map((g) => [g.groupId, g] as const),
  );
  const rows: GroupLag[] = [];
  for (const group of ids) {
    const info = described.get(group);
    const base = { group, state: info?.state ?? 'Unknown', members: info?.members.length ?? 0 };
    // Without `topics`, kafkajs returns every topic the group committed offsets on.
    const topics = (await admin.fetchOffsets({ groupId: group })).map((t) => t.topic).sort();
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
  redis: RedisClient,
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

function breakers(context: CommandContext): Promise<BreakerStateEntry[]> {
  return withRedis(context, (redis) =>
    withTimeout('redis', readBreakerStates(redis, context.env.HERALD_TOPIC_PREFIX)),
  );
}

/**
 * Dead letters not replayed yet: past the replay group's offset (as herald_dlq_messages),
 * less those `herald dlq replay` marked in Redis as replayed past it.
 */
async function notReplayed(
  context: CommandContext,
  admin: Admin,
  topic: string,
  redisUp: boolean,
): Promise<number> {
  const group = `${context.env.HERALD_TOPIC_PREFIX}herald-dlq-replay`;
  const [ends, committed] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId: group, topics: [topic] }),
  ]);
  const done = new Map(
    (committed.find((t) => t.topic === topic)?.partitions ?? []).map((p) => [
      p.partition,
      p.offset,
    ]),
  );
  const marks = redisUp
    ? await withRedis(context, async (redis) => {
        const { replayMarksKey } = await import('@herald/delivery');
        return redis.smembers(replayMarksKey(topic));
      }).catch(() => [])
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
export async function collectStatus(context: CommandContext): Promise<StatusReport> {
  const prefix = context.env.HERALD_TOPIC_PREFIX;
  const topics = topicNames(prefix);
  const serviceStates = await services(context);
  const kafkaUp = serviceStates.some((s) => s.name === 'kafka' && s.up);
  const redisUp = serviceStates.some((s) => s.name === 'redis' && s.up);
  let groups: StatusReport['consumerGroups'] = { error: 'kafka unreachable' };
  let dlq: StatusReport['dlq'] = { error: 'kafka unreachable' };
  if (kafkaUp) {
    const admin = (await kafkaClient(context)).admin();
    try {
      await withTimeout('kafka', admin.connect());
      const existing = new Set(await withTimeout('topics', admin.listTopics()));
      groups = await withTimeout('consumer groups', consumerGroups(admin, prefix, existing)).catch(
        (err: unknown) => ({ error: message(err) }),
      );
      dlq = await withTimeout(
        'dlq',
        existing.has(topics.dlq)
          ? notReplayed(context, admin, topics.dlq, redisUp)
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
  const breakerStates: StatusReport['breakers'] = redisUp
    ? await breakers(context).catch((err: unknown) => ({ error: message(err) }))
    : { error: 'redis unreachable' };
  return { services: serviceStates, consumerGroups: groups, dlq, breakers: breakerStates };
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

/** The report as the tables `herald status` prints. */
export function formatStatus(report: StatusReport): string {
  const sections: string[] = [];
  sections.push(
    `SERVICES\n${table(
      ['service', 'address', 'state'],
      report.services.map((s) => [s.name, s.address, s.up ? 'up' : `down (${s.error})`]),
    )}`,
  );
  const groups = report.consumerGroups;
  sections.push(
    `CONSUMER GROUPS\n${
      'error' in groups
        ? `unavailable: ${groups.error}`
        : groups.length === 0
          ? 'none'
          : table(
              ['group', 'state', 'members', 'topic', 'lag'],
              groups.map((g) => [
                g.group,
                g.state,
                String(g.members),
                g.topic ?? '-',
                g.lag === null ? '-' : String(g.lag),
              ]),
            )
    }`,
  );
  const dlq = report.dlq;
  sections.push(
    `DEAD LETTERS\n${
      'error' in dlq ? `unavailable: ${dlq.error}` : `${dlq.topic}: ${dlq.messages} not replayed`
    }`,
  );
  const b = report.breakers;
  sections.push(
    `CIRCUIT BREAKERS\n${
      'error' in b
        ? `unavailable: ${b.error}`
        : b.length === 0
          ? 'none reported (workers publish their breakers to Redis while they run)'
          : table(
              ['endpoint', 'state', 'worker', 'channels', 'requests', 'failures', 'opened at'],
              b.map((e) => [
                e.endpoint,
                e.state,
                e.worker,
                e.channels.join(','),
                String(e.requests),
                String(e.failures),
                e.openedAt === undefined ? '-' : new Date(e.openedAt).toISOString(),
              ]),
            )
    }`,
  );
  return `${sections.join('\n\n')}\n`;
}

/**
 * `herald status [--json]`: whether Kafka, Postgres and Redis answer, the lag of each
 * Herald consumer group per topic, the DLQ backlog, and the circuit breakers the
 * workers publish to Redis.
 */
export function registerStatusCommand(program: Command, context: CommandContext): void {
  program
    .command('status')
    .description('services, consumer-group lag, DLQ size and circuit breakers')
    .option('--json', 'one JSON document instead of tables')
    .action(async (options: { json?: boolean }) => {
      const report = await collectStatus(context);
      context.out.write(
        options.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report),
      );
    });
}
