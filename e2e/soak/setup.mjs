// What the soak sets up before it measures: the webhook receiver, the database (in-app
// template, tenant, API key), the rules file, and the apps' settings.
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '@herald/core';
import { ApiKeyStore, TemplateStore, createDatabase, migrateToLatest } from '@herald/store';

/**
 * A webhook receiver that answers 204 to everything; `accepted` maps each webhook-id to
 * the event's seq (the first 2xx is the effect), `duplicates()` counts ids seen again.
 */
export async function startReceiver() {
  const accepted = new Map();
  let duplicates = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      if (accepted.has(id)) duplicates++;
      else accepted.set(id, JSON.parse(Buffer.concat(chunks).toString('utf8')).seq);
      res.writeHead(204).end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    accepted,
    duplicates: () => duplicates,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Migrates, stores the in-app template, creates the tenant and a publish key; returns the key. */
export async function prepareDatabase(databaseUrl, tenant, prefix) {
  const database = createDatabase({ url: databaseUrl, poolSize: 2, logger: silentLogger });
  try {
    await migrateToLatest(database);
    await new TemplateStore(database).apply(
      {
        templates: [
          {
            id: 'soak-note',
            channel: 'inapp',
            locale: 'default',
            parts: { title: 'note {{seq}}', body: 'soak', data: { seq: '{{seq}}' } },
          },
        ],
      },
      { actor: 'soak' },
    );
    const keys = new ApiKeyStore(database);
    if (!(await keys.tenant(tenant))) await keys.createTenant(tenant, 'soak');
    const { key } = await keys.create({
      tenant,
      name: `soak ${prefix}`,
      scopes: ['publish'],
      createdBy: 'soak',
    });
    return key;
  } finally {
    await database.destroy();
  }
}

/** soak.tick → a webhook to the receiver; soak.note → an in-app message for its subscriber. */
export function writeRules(dir, receiverUrl) {
  const file = join(dir, 'rules.yaml');
  writeFileSync(
    file,
    `rules:
  - id: soak
    when: event.type == "soak.tick"
    recipients: '[{"id": event.data.recipient, "webhook": "${receiverUrl}/r/" + event.data.recipient}]'
    channels:
      - type: webhook
        secretRef: default
  - id: soak-note
    when: event.type == "soak.note"
    recipients: '[{"id": event.data.recipient, "inapp": event.data.recipient}]'
    channels:
      - type: inapp
        template: soak-note
`,
  );
  return file;
}

/** Each app: [script, argv, its own settings] (the common ones and the ops port are added by the caller). */
export function appSpecs(s) {
  const stores = { DATABASE_URL: s.databaseUrl, REDIS_URL: s.redisUrl };
  return {
    router: [
      'apps/router/dist/main.js',
      [],
      { ...stores, HERALD_RULES_FILE: s.rulesFile, HERALD_DEFAULT_TENANT: s.tenant },
    ],
    worker: [
      'apps/worker/dist/main.js',
      ['--channel', 'webhook', '--channel', 'inapp'],
      {
        ...stores,
        HERALD_WEBHOOK_SECRETS: JSON.stringify({ default: s.webhookSecret }),
        HERALD_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      },
    ],
    auditor: ['apps/auditor/dist/main.js', [], { DATABASE_URL: s.databaseUrl }],
    api: [
      'apps/api/dist/main.js',
      [],
      { ...stores, HERALD_API_HOST: '127.0.0.1', HERALD_API_PORT: String(s.apiPort) },
    ],
    gateway: [
      'apps/gateway/dist/main.js',
      [],
      {
        ...stores,
        HERALD_GATEWAY_HOST: '127.0.0.1',
        HERALD_GATEWAY_PORT: String(s.gatewayPort),
        HERALD_GATEWAY_TENANT_SECRETS: JSON.stringify({ [s.tenant]: s.gatewaySecret }),
      },
    ],
  };
}
