import { HeraldError, parseEnv, type ChannelName, type EnvSource } from '@herald/core';
import { channelsEnv, createChannelRouter, Secret } from '../index.js';

const files: Record<string, string> = {
  '/run/secrets/token': 'xoxb-from-file\n',
  '/run/secrets/bad.json': '{"default": "whsec_LeAkEdSeCrEt',
  '/run/secrets/tenants.json': JSON.stringify({
    globex: { ses: { regoin: 'x' } },
  }),
  '/run/secrets/acme.json': JSON.stringify({
    acme: { ses: { region: 'eu-west-1', accessKeyId: 'AKIDACME' } },
  }),
};
const readFile = (path: string) => {
  const text = files[path];
  if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  return text;
};

function failure(source: EnvSource, channels: ChannelName[]): string {
  const env = parseEnv(channelsEnv(), source);
  try {
    createChannelRouter(env, channels, { readFile });
  } catch (err) {
    expect(err).toBeInstanceOf(HeraldError);
    expect((err as HeraldError).code).toBe('HERALD_ERR_CHANNEL_CONFIG');
    return (err as Error).message;
  }
  throw new Error('expected HERALD_ERR_CHANNEL_CONFIG');
}

describe('createChannelRouter refuses to start without what a channel needs', () => {
  test('each selected channel names its missing settings, all at once', () => {
    const message = failure({}, ['email', 'sms', 'push', 'telegram', 'inapp']);
    expect(message).toMatch(
      /^HERALD_ERR_CHANNEL_CONFIG: channel provider email, twilio, fcm, telegram, inapp is misconfigured: /,
    );
    expect(message).toContain(
      'email: HERALD_EMAIL_PROVIDER is not set; set it to ses, smtp, resend, sendgrid, postmark or mailgun',
    );
    expect(message).toContain(
      'twilio: HERALD_TWILIO_ACCOUNT_SID, HERALD_TWILIO_AUTH_TOKEN, HERALD_TWILIO_FROM or HERALD_TWILIO_MESSAGING_SERVICE_SID are not set',
    );
    expect(message).toContain('fcm: HERALD_FCM_SERVICE_ACCOUNT, HERALD_FCM_PROJECT_ID are not set');
    expect(message).toContain('telegram: HERALD_TELEGRAM_BOT_TOKEN is not set');
    expect(message).toContain('inapp: the inapp channel needs the inbox provider of @herald/inbox');
  });

  test('channels not selected need nothing; webhook, discord and teams need no credentials', async () => {
    const router = createChannelRouter(parseEnv(channelsEnv(), {}), [
      'webhook',
      'discord',
      'teams',
      'slack',
      'pagerduty',
    ]);
    expect(router.warnings).toEqual([
      'webhook: no webhook secrets configured; jobs naming a secret will fail',
      'slack: HERALD_SLACK_BOT_TOKEN is not set: incoming-webhook addresses work, channel ids fail permanently',
    ]);
    await router.close();
  });

  test('the chosen email provider names its settings', () => {
    expect(
      failure({ HERALD_EMAIL_PROVIDER: 'ses', HERALD_SES_REGION: 'eu-west-1' }, ['email']),
    ).toContain(
      'ses: HERALD_SES_ACCESS_KEY_ID, HERALD_SES_SECRET_ACCESS_KEY, HERALD_SES_FROM or HERALD_EMAIL_FROM are not set',
    );
    expect(
      failure({ HERALD_EMAIL_PROVIDER: 'smtp', HERALD_EMAIL_FROM: 'a@b.test' }, ['email']),
    ).toContain('smtp: HERALD_SMTP_URL is not set');
    expect(failure({ HERALD_EMAIL_PROVIDER: 'sendgrid' }, ['email'])).toContain(
      'sendgrid: HERALD_SENDGRID_API_KEY, HERALD_SENDGRID_FROM or HERALD_EMAIL_FROM are not set',
    );
    expect(
      failure({ HERALD_EMAIL_PROVIDER: 'postmark', HERALD_EMAIL_FROM: 'a@b.test' }, ['email']),
    ).toContain('postmark: HERALD_POSTMARK_SERVER_TOKEN is not set');
    expect(
      failure({ HERALD_EMAIL_PROVIDER: 'mailgun', HERALD_MAILGUN_FROM: 'a@mg.b.test' }, ['email']),
    ).toContain('mailgun: HERALD_MAILGUN_API_KEY, HERALD_MAILGUN_DOMAIN are not set');
  });

  test('a secret and its _FILE together, or an unreadable file, are refused by name', () => {
    const message = failure(
      {
        HERALD_TELEGRAM_BOT_TOKEN: '1:AAA',
        HERALD_TELEGRAM_BOT_TOKEN_FILE: '/run/secrets/token',
        HERALD_SLACK_BOT_TOKEN_FILE: '/run/secrets/missing',
      },
      ['telegram', 'slack'],
    );
    expect(message).toContain(
      'telegram: set HERALD_TELEGRAM_BOT_TOKEN or HERALD_TELEGRAM_BOT_TOKEN_FILE, not both',
    );
    expect(message).toContain(
      'slack: HERALD_SLACK_BOT_TOKEN_FILE: cannot read /run/secrets/missing: ENOENT',
    );
  });

  test('a secret file is read once and trimmed', async () => {
    let reads = 0;
    const env = parseEnv(channelsEnv(), { HERALD_SLACK_BOT_TOKEN_FILE: '/run/secrets/token' });
    const router = createChannelRouter(env, ['slack'], {
      readFile: (path) => {
        reads++;
        return readFile(path);
      },
    });
    expect(reads).toBe(1);
    expect(router.warnings).toEqual([]);
    await router.close();
  });

  test('malformed credentials are refused without quoting them', () => {
    const message = failure(
      {
        HERALD_WEBHOOK_SECRETS_FILE: '/run/secrets/bad.json',
        HERALD_EMAIL_PROVIDER: 'smtp',
        HERALD_EMAIL_FROM: 'a@b.test',
        HERALD_SMTP_URL: 'http://mailer:PaSsWoRdLeAk@smtp.example.test',
        HERALD_PAGERDUTY_ROUTING_KEYS: '["R0UTINGKEYLEAK"]',
      },
      ['webhook', 'email', 'pagerduty'],
    );
    expect(message).toContain('webhook: HERALD_WEBHOOK_SECRETS is not valid JSON');
    expect(message).toContain(
      'smtp: HERALD_SMTP_URL must start with smtp:// (STARTTLS) or smtps:// (TLS)',
    );
    expect(message).toContain(
      'pagerduty: HERALD_PAGERDUTY_ROUTING_KEYS: expected {"name": "<integration key>"}',
    );
    for (const secret of ['LeAkEdSeCrEt', 'PaSsWoRdLeAk', 'R0UTINGKEYLEAK'])
      expect(message).not.toContain(secret);
    const weak = failure({ HERALD_WEBHOOK_SECRETS: '{"default":"whsec_c2hvcnQ="}' }, ['webhook']);
    expect(weak).toMatch(
      /HERALD_WEBHOOK_SECRETS: HERALD_ERR_WEBHOOK_SECRET: webhook secret "default" #1 is not/,
    );
    expect(weak).not.toContain('c2hvcnQ');
  });

  test('tenant credentials complete the shared ones, or name what each tenant lacks', () => {
    const message = failure(
      {
        HERALD_EMAIL_PROVIDER: 'ses',
        HERALD_EMAIL_FROM: 'a@b.test',
        HERALD_CHANNEL_TENANTS_FILE: '/run/secrets/tenants.json',
      },
      ['email'],
    );
    expect(message).toContain(
      'HERALD_CHANNEL_TENANTS_FILE: globex.ses: Unrecognized key: "regoin"',
    );
    const acme = failure(
      {
        HERALD_EMAIL_PROVIDER: 'ses',
        HERALD_EMAIL_FROM: 'a@b.test',
        HERALD_CHANNEL_TENANTS_FILE: '/run/secrets/acme.json',
      },
      ['email'],
    );
    expect(acme).toContain(
      'ses: tenant acme has no secretAccessKey (ses.secretAccessKey in HERALD_CHANNEL_TENANTS_FILE, or HERALD_SES_SECRET_ACCESS_KEY)',
    );
  });
});

test('Secret prints, serialises and inspects as [redacted]', async () => {
  const { inspect } = await import('node:util');
  const secret = new Secret('xoxb-123');
  expect(`${secret}`).toBe('[redacted]');
  expect(JSON.stringify({ secret })).toBe('{"secret":"[redacted]"}');
  expect(inspect({ secret })).toBe('{ secret: [redacted] }');
  expect(secret.reveal()).toBe('xoxb-123');
});
