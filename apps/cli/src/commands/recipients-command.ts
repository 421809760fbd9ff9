import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { HeraldError } from '@herald/core';
import { actorOf, withDatabase, type CommandContext } from './command-context.js';

interface TenantOptions {
  tenant: string;
  json?: boolean;
}

/** Recipient ids are per tenant: the usual cause is the wrong --tenant or a typo. */
const notFound = (tenant: string, id: string) =>
  new Error(
    `tenant ${tenant} has no recipient "${id}": check the id and --tenant (ids are per tenant), or create it with herald recipients upsert --tenant ${tenant} --file <file>`,
  );

/**
 * `herald recipients upsert | get | delete`: a tenant's recipients with their addresses
 * and preferences, the same operations as /v1/recipients and the console's Recipients
 * screen (`@herald/operations`). `upsert --file` takes YAML or JSON: a list, or
 * `recipients: [...]`; every recipient is checked before any is stored.
 */
export function registerRecipientsCommand(program: Command, context: CommandContext): void {
  const recipients = program
    .command('recipients')
    .description("a tenant's recipients (addresses, preferences): upsert, get, delete");
  const tenantOption = (c: Command) =>
    c
      .requiredOption('--tenant <id>', 'the tenant the recipients belong to')
      .option('--json', 'print JSON instead of text');

  tenantOption(
    recipients
      .command('upsert')
      .description('create or replace recipients, each with exactly the addresses given')
      .requiredOption('--file <path>', 'a YAML or JSON file: a list, or recipients: [...]'),
  ).action(async (options: TenantOptions & { file: string }) => {
    const { recipientsFromDocument, upsertRecipients } = await import('@herald/operations');
    const { parse } = await import('yaml');
    let document: unknown;
    try {
      // YAML is a superset of JSON: one parser reads both.
      document = parse(await readFile(options.file, 'utf8'));
    } catch (err) {
      throw new HeraldError('HERALD_ERR_RECIPIENT_INVALID', [
        options.file,
        options.tenant,
        `not readable as YAML or JSON: ${(err as Error).message}`,
      ]);
    }
    const list = recipientsFromDocument(document, options.tenant);
    await withDatabase(context, async (db) => {
      const upserted = await upsertRecipients(db, options.tenant, list, {
        actor: actorOf(context),
      });
      context.out.write(
        options.json
          ? `${JSON.stringify({ upserted }, null, 2)}\n`
          : `upserted ${upserted} recipient(s): ${list.map((r) => r.id).join(', ')}\n`,
      );
    });
  });

  tenantOption(
    recipients.command('get').description('one recipient').argument('<id>', 'the recipient id'),
  ).action(async (id: string, options: TenantOptions) => {
    const { getRecipient } = await import('@herald/operations');
    await withDatabase(context, async (db) => {
      const found = await getRecipient(db, options.tenant, id);
      if (found === undefined) throw notFound(options.tenant, id);
      if (options.json) {
        context.out.write(`${JSON.stringify(found, null, 2)}\n`);
        return;
      }
      const lines = [`${found.id}`];
      for (const [channel, address] of Object.entries(found.addresses))
        lines.push(
          `  ${channel}: ${address}${found.invalidAddresses?.[channel as keyof typeof found.addresses] ? '  (marked invalid by its provider)' : ''}`,
        );
      if (found.locale) lines.push(`  locale: ${found.locale}`);
      if (found.timezone) lines.push(`  timezone: ${found.timezone}`);
      if (found.preferences) lines.push(`  preferences: ${JSON.stringify(found.preferences)}`);
      context.out.write(`${lines.join('\n')}\n`);
    });
  });

  tenantOption(
    recipients
      .command('delete')
      .description('delete a recipient (its addresses and topic subscriptions go with it)')
      .argument('<id>', 'the recipient id'),
  ).action(async (id: string, options: TenantOptions) => {
    const { deleteRecipient } = await import('@herald/operations');
    await withDatabase(context, async (db) => {
      if (!(await deleteRecipient(db, options.tenant, id, { actor: actorOf(context) })))
        throw notFound(options.tenant, id);
      context.out.write(
        options.json
          ? `${JSON.stringify({ id, deleted: true }, null, 2)}\n`
          : `deleted recipient ${id}\n`,
      );
    });
  });
}
