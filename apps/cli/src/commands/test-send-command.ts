import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { HeraldError, isChannelName, parseEnv, type EnvSource } from '@herald/core';
import { withDatabase, type CommandContext } from './command-context.js';

interface TestSendFlags {
  channel: string;
  to: string;
  template?: string;
  content?: string;
  data?: string;
  locale?: string;
  timezone?: string;
}

/** `--data '{"a":1}'` or `--data @file.json`. */
async function jsonFlag(name: string, value: string | undefined): Promise<unknown> {
  if (value === undefined) return undefined;
  const text = value.startsWith('@') ? await readFile(value.slice(1), 'utf8') : value;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HeraldError('HERALD_ERR_CONFIG_INVALID', [
      `--${name} is not JSON (give '{"key": "value"}' or @file.json): ${(err as Error).message}`,
    ]);
  }
}

/**
 * `herald test-send`: the operation POST /v1/test-send runs, with the providers' settings
 * of this shell (the worker's HERALD_* channel settings; the CLI accepts them already).
 */
async function testSendCommand(context: CommandContext, flags: TestSendFlags): Promise<void> {
  if (!isChannelName(flags.channel))
    throw new HeraldError('HERALD_ERR_CONFIG_INVALID', [
      `--channel ${flags.channel} is not a channel (email, sms, push, webhook, slack…)`,
    ]);
  const channel = flags.channel;
  const data = await jsonFlag('data', flags.data);
  const content = (await jsonFlag('content', flags.content)) as Record<string, unknown> | undefined;
  // One after the other: jest's ESM loader fails on two concurrent imports sharing modules.
  const { channelsEnv, createChannelRouter } = await import('@herald/channels');
  const { testSend } = await import('@herald/operations');
  // The CLI's env keeps every app's setting as given (app-settings.ts); parse the channels' part.
  const shape = channelsEnv();
  const given = context.env as unknown as Record<string, unknown>;
  const source: EnvSource = Object.fromEntries(
    Object.keys(shape).flatMap((k) => (typeof given[k] === 'string' ? [[k, given[k]]] : [])),
  );
  const env = parseEnv(shape, source);
  const result = await withDatabase(context, (db) =>
    testSend(
      {
        db,
        router: (channels) => createChannelRouter(env, channels, { logger: context.logger }),
        now: () => new Date(),
      },
      {
        channel,
        to: flags.to,
        template: flags.template,
        content,
        data,
        locale: flags.locale,
        timezone: flags.timezone,
      },
    ),
  );
  context.out.write(`${JSON.stringify(result, null, 2)}\n`);
  // A refusal is an answer, but scripts need to see it.
  if (result.status === 'failed') process.exitCode = 1;
}

export function registerTestSendCommand(program: Command, context: CommandContext): void {
  program
    .command('test-send')
    .description(
      "render one message and send it through the channel's real provider to an address, printing the provider's answer",
    )
    .requiredOption('--channel <channel>', 'the channel, e.g. webhook, email, sms')
    .requiredOption('--to <address>', 'the address: e-mail, E.164 phone, URL…')
    .option('--template <id>', 'a stored template, id or id@version')
    .option('--content <json>', 'inline template parts instead, e.g. \'{"text":"Hi {{name}}"}\'')
    .option('--data <json>', "sample data to render with: JSON or @file.json (default '{}')")
    .option('--locale <locale>', 'recipient locale')
    .option('--timezone <zone>', 'recipient time zone, e.g. Europe/Paris')
    .action((flags: TestSendFlags) => testSendCommand(context, flags));
}
