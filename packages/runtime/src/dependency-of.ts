import { isHeraldError } from '@herald/core';

/** A dependency a failed start could not reach: its name and, when known, where it is. */
export interface DependencyDown {
  readonly name: string;
  /** `host:port` of the endpoint the error names, else the setting's first one. */
  readonly endpoint?: string;
}

/**
 * Which dependency a failed start attempt could not reach, for /readyz: the endpoint
 * (host and port) named in the error or its causes is matched against the app's
 * configured ones (`{ kafka: KAFKA_BROKERS, postgres: DATABASE_URL, redis: REDIS_URL }`);
 * failing that, the client library that threw says it (its folder in the stack, or
 * kafkajs' `KafkaJS…` error names: ioredis' "Connection is closed." carries no address),
 * and a schema registry that does not answer has its own Herald code. Undefined when
 * nothing tells. Only hosts and ports are read from the settings, never the credentials
 * a URL may carry.
 */
export function dependencyOf(
  err: unknown,
  endpoints: Readonly<Record<string, string | undefined>> = {},
): DependencyDown | undefined {
  const wanted = Object.entries(endpoints).flatMap(([name, value]) =>
    value === undefined ? [] : endpointsOf(value).map((e) => ({ name, ...e })),
  );
  const seen = errorChain(err);
  for (const e of seen) {
    for (const place of placesIn(e)) {
      const hit =
        wanted.find((w) => w.port === place.port && sameHost(w.host, place.host)) ??
        // A name resolved to an address the setting does not spell: the port alone, if only one has it.
        (() => {
          const byPort = wanted.filter((w) => w.port === place.port);
          return new Set(byPort.map((w) => w.name)).size === 1 ? byPort[0] : undefined;
        })();
      if (hit) return { name: hit.name, endpoint: `${hit.host}:${hit.port}` };
    }
  }
  const named = (name: string): DependencyDown => {
    const first = wanted.find((w) => w.name === name);
    return first ? { name, endpoint: `${first.host}:${first.port}` } : { name };
  };
  for (const e of seen) {
    if (isHeraldError(e) && e.code === 'HERALD_ERR_SCHEMA_REGISTRY_UNAVAILABLE')
      return named('schemaRegistry');
    if (e instanceof Error && e.name.startsWith('KafkaJS')) return named('kafka');
    const library = e instanceof Error ? CLIENT_IN_STACK.exec(e.stack ?? '')?.[1] : undefined;
    if (library !== undefined) return named(CLIENTS[library]!);
  }
  return undefined;
}

/** The client libraries Herald talks to its dependencies with, by package folder. */
const CLIENTS: Readonly<Record<string, string>> = {
  ioredis: 'redis',
  pg: 'postgres',
  'pg-pool': 'postgres',
  kafkajs: 'kafka',
};
const CLIENT_IN_STACK = /[\\/]node_modules[\\/](ioredis|pg|pg-pool|kafkajs)[\\/]/;

interface Place {
  readonly host: string;
  readonly port: number;
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = {
  'postgres:': 5432,
  'postgresql:': 5432,
  'redis:': 6379,
  'rediss:': 6379,
  'http:': 80,
  'https:': 443,
};

/** `host:port` lists (KAFKA_BROKERS) and URLs (DATABASE_URL, REDIS_URL). */
function endpointsOf(setting: string): Place[] {
  return setting.split(',').flatMap((part) => {
    const text = part.trim();
    if (text === '') return [];
    try {
      const url = new URL(text.includes('://') ? text : `tcp://${text}`);
      const port = Number(url.port || DEFAULT_PORTS[url.protocol]);
      return Number.isInteger(port) && port > 0
        ? [{ host: url.hostname.replace(/^\[|\]$/g, ''), port }]
        : [];
    } catch {
      return [];
    }
  });
}

/** The error, its `cause`s and an AggregateError's `errors` (Node's connect attempts). */
function errorChain(err: unknown, depth = 0): unknown[] {
  if (err === null || typeof err !== 'object' || depth > 5) return err === undefined ? [] : [err];
  const e = err as { cause?: unknown; errors?: unknown; originalError?: unknown };
  return [
    err,
    ...(Array.isArray(e.errors) ? e.errors.flatMap((x) => errorChain(x, depth + 1)) : []),
    ...(e.cause === undefined ? [] : errorChain(e.cause, depth + 1)),
    ...(e.originalError === undefined ? [] : errorChain(e.originalError, depth + 1)),
  ];
}

/** Where an error says it tried to connect: `address`/`port` fields, or `host:port` in its message. */
function placesIn(err: unknown): Place[] {
  if (err === null || typeof err !== 'object') return [];
  const e = err as { address?: unknown; port?: unknown; message?: unknown };
  const places: Place[] = [];
  if (typeof e.address === 'string' && typeof e.port === 'number')
    places.push({ host: e.address, port: e.port });
  const message = typeof e.message === 'string' ? e.message : '';
  for (const m of message.matchAll(/\[?([\w.:-]*?[\w.-])\]?:(\d{2,5})\b/g))
    places.push({ host: m[1]!, port: Number(m[2]) });
  return places;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '0.0.0.0', '::']);

function sameHost(a: string, b: string): boolean {
  return a === b || (LOOPBACK.has(a) && LOOPBACK.has(b));
}
