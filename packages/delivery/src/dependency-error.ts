/**
 * A dependency (Redis, Postgres) did not answer. A stage handler lets it propagate:
 * the chunk is retried with backoff and its offsets stay uncommitted. Any other error
 * a handler meets is a bug or a poison record, counted and eventually dead-lettered.
 */
export class DependencyError extends Error {
  readonly dependency: string;

  constructor(dependency: string, cause: unknown) {
    super(`${dependency} unavailable: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'DependencyError';
    this.dependency = dependency;
  }
}
