import type { Command } from 'commander';
import type { RateLimitPolicyRequest, RateLimitPolicyView } from '@herald/operations';
import { actorOf, withDatabase, type CommandContext } from './command-context.js';

interface TenantOptions {
  tenant?: string;
  global?: boolean;
  json?: boolean;
}

interface SetOptions extends TenantOptions {
  scope: string;
  limit: string;
  period: string;
  burst?: string;
  action?: string;
  channel?: string;
  provider?: string;
  bypassCritical: boolean;
  disabled?: boolean;
  description?: string;
}

const line = (p: RateLimitPolicyView) =>
  `${p.id}  ${p.limit} per ${p.periodMs} ms per ${p.scope}` +
  `${p.channel ? `  channel ${p.channel}` : ''}${p.provider ? `  provider ${p.provider}` : ''}` +
  `  burst ${p.burst}  ${p.action}${p.bypassCritical ? '' : '  (critical too)'}` +
  `${p.enabled ? '' : '  disabled'}${p.description ? `  # ${p.description}` : ''}\n`;

/** A whole number as typed, else NaN (so the shared check names the field). */
const whole = (text: string) => (/^\d+$/.test(text.trim()) ? Number(text) : Number.NaN);

/** Whose policies a command touches: `--tenant <id>`, or `--global` (null), never both. */
function ownerOf(options: TenantOptions): string | null {
  if ((options.tenant === undefined) === (options.global !== true))
    throw new Error(
      "name whose policies: --tenant <id> (that tenant's jobs) or --global (every tenant's), one of them",
    );
  return options.tenant ?? null;
}

/**
 * `herald rate-limits list | set | delete`: a tenant's rate-limit policies, the same
 * operations as /v1/rate-limit-policies and the console (`@herald/operations`), checked
 * by the same rules (HERALD_ERR_RATE_LIMIT_INVALID names each field; nothing stored).
 */
export function registerRateLimitsCommand(program: Command, context: CommandContext): void {
  const limits = program
    .command('rate-limits')
    .description("rate-limit policies, a tenant's or the global ones: list, set, delete");
  const tenantOption = (c: Command) =>
    c
      .option('--tenant <id>', 'the tenant whose jobs the policy limits')
      .option('--global', "a global policy: it limits every tenant's jobs")
      .option('--json', 'print JSON instead of text');

  tenantOption(limits.command('list').description("the tenant's policies")).action(
    async (options: TenantOptions) => {
      const { listRateLimitPolicies } = await import('@herald/operations');
      await withDatabase(context, async (db) => {
        const list = await listRateLimitPolicies(db, ownerOf(options));
        context.out.write(
          options.json
            ? `${JSON.stringify({ policies: list }, null, 2)}\n`
            : `${list.length} polic${list.length === 1 ? 'y' : 'ies'}\n${list.map(line).join('')}`,
        );
      });
    },
  );

  tenantOption(
    limits
      .command('set')
      .description(
        'create or replace a policy: at most --limit per --period per subject of --scope',
      )
      .argument('<id>', 'the policy id, e.g. sms-per-user')
      .requiredOption('--scope <scope>', 'what is counted: recipient, channel, provider or tenant')
      .requiredOption('--limit <n>', 'how many per period (a whole number ≥ 1)')
      .requiredOption('--period <duration>', 'the period: milliseconds or a duration, e.g. 1h')
      .option('--burst <n>', 'how many may go at once (default 1)')
      .option('--action <action>', 'over the limit: defer (default) or drop')
      .option('--channel <channel>', 'only jobs of this channel')
      .option('--provider <provider>', 'only jobs sent through this provider')
      .option('--no-bypass-critical', 'limit critical jobs too (by default they bypass it)')
      .option('--disabled', 'store it switched off')
      .option('--description <text>', 'why the policy exists'),
  ).action(async (id: string, options: SetOptions) => {
    const { setRateLimitPolicy } = await import('@herald/operations');
    const { parseDuration } = await import('@herald/rules');
    const request: RateLimitPolicyRequest = {
      scope: options.scope as RateLimitPolicyRequest['scope'],
      limit: whole(options.limit),
      periodMs: /^\d+$/.test(options.period)
        ? Number(options.period)
        : (parseDuration(options.period) ?? Number.NaN),
      ...(options.burst === undefined ? {} : { burst: whole(options.burst) }),
      ...(options.action === undefined
        ? {}
        : { action: options.action as RateLimitPolicyRequest['action'] }),
      ...(options.channel === undefined ? {} : { channel: options.channel }),
      ...(options.provider === undefined ? {} : { provider: options.provider }),
      bypassCritical: options.bypassCritical,
      enabled: options.disabled !== true,
      ...(options.description === undefined ? {} : { description: options.description }),
    };
    await withDatabase(context, async (db) => {
      const stored = await setRateLimitPolicy(db, ownerOf(options), id, request, {
        actor: actorOf(context),
      });
      context.out.write(
        options.json ? `${JSON.stringify(stored, null, 2)}\n` : `set ${line(stored)}`,
      );
    });
  });

  tenantOption(
    limits.command('delete').description('delete a policy').argument('<id>', 'the policy id'),
  ).action(async (id: string, options: TenantOptions) => {
    const { deleteRateLimitPolicy } = await import('@herald/operations');
    await withDatabase(context, async (db) => {
      await deleteRateLimitPolicy(db, ownerOf(options), id, { actor: actorOf(context) });
      context.out.write(
        options.json
          ? `${JSON.stringify({ id, deleted: true }, null, 2)}\n`
          : `deleted policy ${id}\n`,
      );
    });
  });
}
