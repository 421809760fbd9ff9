/**
 * docker-compose.yml cannot run here (no Docker engine), so it is kept correct by
 * reading: every reference resolves, and each Herald service's settings pass that
 * app's own start-up validation, with the files it mounts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseApiEnv } from '@herald/api';
import { parseAuditorEnv } from '@herald/auditor';
import { parseGatewayEnv } from '@herald/gateway';
import { parseRouterEnv } from '@herald/router';
import { loadRules } from '@herald/rules';
import { parseWorkerEnv } from '@herald/worker';

const root = fileURLToPath(new URL('../../', import.meta.url));
interface Service {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, unknown>;
  volumes?: string[];
  secrets?: string[];
}
const compose = parse(readFileSync(`${root}docker-compose.yml`, 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
  secrets: Record<string, { file: string }>;
};
const herald = Object.entries(compose.services).filter(([, s]) => s.image === 'herald:local');

// Maps a path inside the container to the repo file mounted there.
function hostPath(service: Service, inside: string): string {
  for (const volume of service.volumes ?? []) {
    const [host, container] = volume.split(':') as [string, string];
    if (inside.startsWith(`${container}/`))
      return `${root}${host.replace(/^\.\//, '')}${inside.slice(container.length)}`;
  }
  for (const name of service.secrets ?? []) {
    if (inside === `/run/secrets/${name}`)
      return `${root}${compose.secrets[name]!.file.replace(/^\.\//, '')}`;
  }
  throw new Error(`${inside} is not mounted in the service`);
}

describe('docker-compose.yml', () => {
  it('runs the Herald apps next to Kafka, Postgres and Redis', () => {
    expect(Object.keys(compose.services).sort()).toEqual([
      'api',
      'auditor',
      'gateway',
      'grafana',
      'kafka',
      'postgres',
      'prometheus',
      'redis',
      'registry',
      'router',
      'worker-webhook',
    ]);
    expect(herald.map(([, s]) => s.command?.[0]).sort()).toEqual([
      'api',
      'auditor',
      'gateway',
      'router',
      'worker',
    ]);
  });

  it('depends only on services that exist, and mounts files that exist', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const dependency of Object.keys(service.depends_on ?? {})) {
        expect([name, dependency, dependency in compose.services]).toEqual([
          name,
          dependency,
          true,
        ]);
      }
      for (const volume of service.volumes ?? [])
        expect(existsSync(`${root}${volume.split(':')[0]}`)).toBe(true);
      for (const secret of service.secrets ?? [])
        expect(existsSync(`${root}${compose.secrets[secret]!.file}`)).toBe(true);
    }
  });

  it.each(herald)("%s's settings pass the app's start-up validation", (_name, service) => {
    const env: Record<string, string> = { ...service.environment };
    const [app, ...args] = service.command!;
    if (app === 'router') {
      const parsed = parseRouterEnv(env);
      const file = hostPath(service, parsed.HERALD_RULES_FILE!);
      expect(loadRules(readFileSync(file, 'utf8'), file).rules.length).toBeGreaterThan(0);
      expect(parsed.REDIS_URL).toBe('redis://redis:6379');
      expect(parsed.DATABASE_URL).toMatch(/@postgres:5432\//);
      expect(parsed.HERALD_METRICS_PORT).toBe(9464);
    } else if (app === 'worker') {
      const channels = args[args.indexOf('--channel') + 1]!;
      env.HERALD_WEBHOOK_SECRETS_FILE = hostPath(service, env.HERALD_WEBHOOK_SECRETS_FILE!);
      const parsed = parseWorkerEnv({ ...env, HERALD_WORKER_CHANNELS: channels });
      expect(parsed.HERALD_WORKER_CHANNELS).toEqual(['webhook']);
      // The secrets file itself is read by the channel router at start-up.
      const secrets = JSON.parse(readFileSync(env.HERALD_WEBHOOK_SECRETS_FILE, 'utf8')) as object;
      expect(Object.keys(secrets)).toEqual(['default']);
      expect(parsed.REDIS_URL).toBe('redis://redis:6379');
      expect(parsed.DATABASE_URL).toMatch(/@postgres:5432\//);
      expect(parsed.HERALD_METRICS_PORT).toBe(9464);
    } else if (app === 'gateway') {
      env.HERALD_GATEWAY_TENANT_SECRETS_FILE = hostPath(
        service,
        env.HERALD_GATEWAY_TENANT_SECRETS_FILE!,
      );
      const parsed = parseGatewayEnv(env);
      expect(parsed.tenantSecrets.tenants).toEqual(['default']);
      expect(parsed.REDIS_URL).toBe('redis://redis:6379');
      expect(parsed.HERALD_GATEWAY_PORT).toBe(8090);
    } else if (app === 'api') {
      expect(parseApiEnv(env).DATABASE_URL).toMatch(/@postgres:5432\//);
    } else {
      expect(parseAuditorEnv(env).DATABASE_URL).toMatch(/@postgres:5432\//);
    }
  });
});
