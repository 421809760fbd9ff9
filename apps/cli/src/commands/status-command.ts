import type { Command } from 'commander';
import type { StatusReport } from '@herald/operations';
import { kafkaClient, withRedis, type CommandContext } from './command-context.js';

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
      const { collectStatus } = await import('@herald/operations');
      const report = await collectStatus({
        kafkaBrokers: context.env.KAFKA_BROKERS,
        databaseUrl: context.env.DATABASE_URL,
        redisUrl: context.env.REDIS_URL,
        topicPrefix: context.env.HERALD_TOPIC_PREFIX,
        kafka: () => kafkaClient(context),
        withRedis: (body) => withRedis(context, body),
      });
      context.out.write(
        options.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report),
      );
    });
}
