/**
 * True when `err` says Postgres could not be reached or dropped the connection (the
 * server is away, restarting or refusing connections), as opposed to a statement it
 * refused (a constraint, a missing table: a bug or bad data). Callers turn the former
 * into a dependency outage (retry the chunk, /readyz 503) instead of a crash.
 *
 * @example
 * try { await store.decide(...) } catch (err) { if (isPostgresUnavailable(err)) throw new DependencyError('postgres', err); throw err; }
 */
export function isPostgresUnavailable(err: unknown): boolean {
  // Duck-typed, not `instanceof`: socket errors may come from another realm (a test VM).
  let e = err as ErrorLike | undefined;
  for (let depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const { code, message } = e;
    if (typeof code === 'string') {
      // Node's socket errors (refused, reset, timed out, unknown host).
      if (SOCKET_CODES.has(code)) return true;
      // SQLSTATE class 08 (connection exception), 57P01-57P03 (shutdown, crash,
      // cannot connect now), 53300 (too many connections).
      if (/^08...$/.test(code) || /^57P0[123]$/.test(code) || code === '53300') return true;
    }
    // pg and pg-pool say these in words only.
    if (typeof message === 'string' && PG_MESSAGES.some((m) => message.includes(m))) return true;
    // Connecting to every address of a host fails as one AggregateError.
    if (Array.isArray(e.errors) && e.errors.some((inner) => isPostgresUnavailable(inner)))
      return true;
    e = e.cause as ErrorLike | undefined;
  }
  return false;
}

interface ErrorLike {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly errors?: unknown;
  readonly cause?: unknown;
}

const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

const PG_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Cannot use a pool after calling end on the pool',
];
