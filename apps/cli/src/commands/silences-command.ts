import type { Command } from 'commander';
import type { StoredSilence } from '@herald/store';
import { actorOf, withDatabase, type CommandContext } from './command-context.js';

/** One line per silence: id, state, window, matchers, who and why. */
async function silenceLine(s: StoredSilence, now: Date): Promise<string> {
  const { formatMatcher } = await import('@herald/rules');
  const state =
    s.endsAt.getTime() <= now.getTime()
      ? s.expiredAt === null
        ? 'ended'
        : `expired by ${s.expiredBy ?? '?'}`
      : s.startsAt.getTime() > now.getTime()
        ? 'pending'
        : 'active';
  return `${s.id}  ${state}  ${s.startsAt.toISOString()} → ${s.endsAt.toISOString()}  {${s.matchers.map(formatMatcher).join(', ')}}  by ${s.createdBy}: ${s.comment}\n`;
}

/**
 * `herald silences create | list | expire` (docs/rules.md, "Silences"): time-bounded
 * label matchers stored in Postgres; routers poll them and suppress matching
 * notifications with reason `silenced`. A silence without an end, with an end in the
 * past or with a bad matcher is refused (HERALD_ERR_SILENCE_INVALID) and nothing is stored.
 */
export function registerSilencesCommand(program: Command, context: CommandContext): void {
  const silences = program
    .command('silences')
    .description('silence notifications matching labels for a while: create, list, expire');
  silences
    .command('create')
    .description('store a silence; routers apply it within HERALD_SILENCES_POLL_MS')
    .requiredOption(
      '-m, --matcher <matcher...>',
      'label matchers: name=value, name!=value, name=~regex, name!~regex (labels: tenant, type, source, severity, subject, any extension)',
    )
    .option('--ends <time>', 'required: an ISO time or a duration from the start, e.g. 2h')
    .option('--starts <time>', 'an ISO time; default now')
    .option('--created-by <who>', 'who asks; default HERALD_ACTOR or user@host')
    .requiredOption('-c, --comment <text>', 'why, e.g. a ticket')
    .action(
      async (options: {
        matcher: string[];
        ends?: string;
        starts?: string;
        createdBy?: string;
        comment: string;
      }) => {
        const { createSilence } = await import('@herald/operations');
        const { migrateToLatest } = await import('@herald/store');
        const now = new Date();
        await withDatabase(context, async (db) => {
          await migrateToLatest(db);
          // Checked (HERALD_ERR_SILENCE_INVALID, nothing stored) as POST /v1/silences is.
          const stored = await createSilence(
            db,
            {
              matchers: options.matcher,
              ...(options.ends === undefined ? {} : { ends: options.ends }),
              ...(options.starts === undefined ? {} : { starts: options.starts }),
              createdBy: options.createdBy ?? actorOf(context),
              comment: options.comment,
            },
            now,
          );
          context.out.write(`created silence ${stored.id}\n`);
          context.out.write(await silenceLine(stored, now));
        });
      },
    );
  silences
    .command('list')
    .description('silences not ended yet (active or pending); --all for ended ones too')
    .option('--all', 'include ended and expired silences')
    .action(async (options: { all?: boolean }) => {
      const { listSilences } = await import('@herald/operations');
      const now = new Date();
      await withDatabase(context, async (db) => {
        const list = await listSilences(db, now, { all: options.all === true });
        context.out.write(`${list.length} silence(s)\n`);
        for (const s of list) context.out.write(await silenceLine(s, now));
      });
    });
  silences
    .command('expire')
    .description('end a silence now')
    .argument('<id>', 'a silence id from `herald silences list`')
    .action(async (id: string) => {
      const { expireSilence } = await import('@herald/operations');
      const now = new Date();
      await withDatabase(context, async (db) => {
        const s = await expireSilence(db, id, actorOf(context), now);
        context.out.write(`expired silence ${s.id}\n`);
        context.out.write(await silenceLine(s, now));
      });
    });
}
