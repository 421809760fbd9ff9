import type { Command } from 'commander';
import { silentLogger } from '@herald/core';
import type { AuditFilter, AuditQueries } from '@herald/store';
import { whileBusy } from '../progress.js';
import type { CommandContext } from './command-context.js';

interface FilterOptions {
  readonly state?: string;
  readonly channel?: string;
  readonly tenant?: string;
  readonly since?: string;
  readonly until?: string;
  readonly limit?: number;
  readonly json?: boolean;
}

type Row = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function time(value: string | undefined, flag: string): Date | undefined {
  if (value === undefined) return undefined;
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) {
    throw new Error(
      `${flag} ${value} is not a time; use ISO 8601, e.g. 2026-11-01 or 2026-11-01T08:00:00Z`,
    );
  }
  return parsed;
}

function filterFrom(options: FilterOptions): AuditFilter {
  const since = time(options.since, '--since');
  const until = time(options.until, '--until');
  return {
    ...(options.state ? { state: options.state } : {}),
    ...(options.channel ? { channel: options.channel } : {}),
    ...(options.tenant ? { tenant: options.tenant } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    ...(options.limit ? { limit: options.limit } : {}),
  };
}

const cell = (v: unknown) =>
  v instanceof Date ? v.toISOString() : v === null || v === undefined ? '' : String(v);

/** A plain aligned table; `columns` picks and orders the fields. */
export function table(rows: readonly Row[], columns: readonly string[]): string {
  if (rows.length === 0) return '(none)\n';
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return `${[line([...columns]), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join('\n')}\n`;
}

const notificationColumns = [
  'notification_id',
  'state',
  'channel',
  'recipient_ref',
  'attempt',
  'event_id',
  'state_at',
  'reason',
];

function withFilters(command: Command): Command {
  return command
    .option('--state <state>', 'only notifications now in this state (delivered, failed, ...)')
    .option('--channel <channel>', 'only this channel')
    .option('--tenant <tenant>', 'only this tenant')
    .option('--since <time>', 'event time at or after (ISO 8601)')
    .option('--until <time>', 'event time before (ISO 8601)')
    .option('-n, --limit <count>', 'rows at most (default 100)', (v) => Number.parseInt(v, 10))
    .option('--json', 'print JSON instead of a table');
}

/**
 * `herald audit notification <id> | recipient <ref> | event <id>`: what happened to
 * a notification, to a recipient's notifications, to an event's notifications, from
 * the auditor's tables (DATABASE_URL).
 */
export function registerAuditCommand(program: Command, context: CommandContext): void {
  const audit = program.command('audit').description('query the audit tables (delivery history)');

  async function withQueries<T>(run: (queries: AuditQueries) => Promise<T>): Promise<T> {
    const { AuditQueries, createDatabase } = await import('@herald/store');
    const db = createDatabase({ url: context.env.DATABASE_URL, poolSize: 2, logger: silentLogger });
    try {
      // Months of partitions can take a while: say so on a terminal.
      return await whileBusy(context, 'querying the audit tables', () => run(new AuditQueries(db)));
    } finally {
      await db.destroy();
    }
  }
  const print = (text: string): void => void context.out.write(text);
  const json = (value: unknown): void => print(`${JSON.stringify(value, null, 2)}\n`);

  audit
    .command('notification')
    .description('one notification: its current state, each attempt and every status')
    .argument('<id>', 'notification id')
    .option('--json', 'print JSON instead of tables')
    .action(async (id: string, options: { json?: boolean }) => {
      // Checked here: Postgres would answer with a raw "invalid input syntax for type uuid".
      if (!UUID.test(id))
        throw new Error(
          `notification id ${JSON.stringify(id)} is not a UUID (like 0b7c3f1e-5d2a-4c9e-8f10-2a6b9c4d7e81); herald audit recipient or herald dlq list show notification ids`,
        );
      const history = await withQueries((q) => q.notification(id));
      if (!history)
        throw new Error(
          `no notification ${id} in the audit tables (is the auditor running on this DATABASE_URL?)`,
        );
      if (options.json) return json(history);
      const n = history.notification;
      print(
        table(
          [
            { field: 'notification', value: n.notification_id },
            {
              field: 'state',
              value: `${n.state} (attempt ${n.attempt}${n.max_attempts ? ` of ${n.max_attempts}` : ''})`,
            },
            { field: 'reason', value: n.reason },
            { field: 'tenant', value: n.tenant },
            { field: 'event', value: `${n.event_id} (${n.event_type}, ${cell(n.event_time)})` },
            { field: 'rule', value: `${n.rule_id} v${n.rule_version}` },
            { field: 'recipient', value: `${n.recipient_ref} via ${n.channel}` },
            {
              field: 'provider',
              value: [n.provider_name, n.provider_status, n.provider_message_id]
                .filter((v) => v !== null)
                .join(' '),
            },
          ],
          ['field', 'value'],
        ),
      );
      print('\nattempts\n');
      print(
        table(history.attempts as unknown as Row[], [
          'attempt',
          'state',
          'started_at',
          'finished_at',
          'provider_status',
          'provider_message_id',
          'reason',
        ]),
      );
      print('\nstatus events\n');
      print(
        table(history.statuses as unknown as Row[], [
          'occurred_at',
          'state',
          'attempt',
          'provider_status',
          'reason',
        ]),
      );
    });

  withFilters(
    audit
      .command('recipient')
      .description("a recipient's notifications, newest first")
      .argument('<ref>', 'recipient reference'),
  ).action(async (ref: string, options: FilterOptions) => {
    const rows = await withQueries((q) => q.recipient(ref, filterFrom(options)));
    if (options.json) return json(rows);
    print(table(rows as unknown as Row[], notificationColumns));
  });

  withFilters(
    audit
      .command('event')
      .description("an accepted event's outcome and its notifications")
      .argument('<id>', 'event id'),
  ).action(async (id: string, options: FilterOptions) => {
    const result = await withQueries((q) => q.event(id, filterFrom(options)));
    if (result.events.length === 0 && result.notifications.length === 0)
      throw new Error(
        `no event ${id} in the audit tables${options.tenant ? ` for tenant ${options.tenant}` : ''} (is the auditor running on this DATABASE_URL?)`,
      );
    if (options.json) return json(result);
    print(
      table(result.events as unknown as Row[], [
        'event_id',
        'tenant',
        'event_type',
        'outcome',
        'notifications',
        'succeeded',
        'failed',
        'suppressed',
        'pending',
      ]),
    );
    print('\nnotifications\n');
    print(table(result.notifications as unknown as Row[], notificationColumns));
  });
}
