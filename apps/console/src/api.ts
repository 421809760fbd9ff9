/**
 * The console's only way to data: the /v1 API with the user's key (no private
 * backend). The key lives in sessionStorage (gone when the tab closes), is sent only
 * as the Authorization header and is never logged or shown back: the UI shows its
 * prefix (`hk_<id>`) at most.
 */
const KEY = 'herald.console.key';

/** An RFC 9457 problem as /v1 answers it. */
export interface Problem {
  readonly status: number;
  readonly title: string;
  readonly detail?: string;
  readonly code?: string;
  readonly errors?: readonly { field: string; message: string }[];
  /** POST /v1/events when no event was accepted: each event's verdict. */
  readonly results?: readonly unknown[];
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
}

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  signIn: (key: string) => sessionStorage.setItem(KEY, key),
  signOut: () => sessionStorage.removeItem(KEY),
};

/** What may be shown of a key: `hk_<id>` of `hk_<id>_<secret>`, never the secret. */
export function keyPrefix(key: string): string {
  const parts = key.split('_');
  return parts.length >= 3 ? `${parts[0]}_${parts[1]}` : 'hk_…';
}

/** Calls /v1 with the session's key (or `key`); a non-2xx answer throws its problem. */
export async function call<T>(
  method: string,
  path: string,
  body?: unknown,
  key: string | null = session.key(),
  extraHeaders: Record<string, string> = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const p = (parsed ?? {}) as Partial<Problem>;
    throw new ApiError({
      status: response.status,
      title: p.title ?? response.statusText,
      ...(p.detail ? { detail: p.detail } : {}),
      ...(p.code ? { code: p.code } : {}),
      ...(p.errors ? { errors: p.errors } : {}),
      ...(p.results ? { results: p.results } : {}),
    });
  }
  return parsed as T;
}

/** A query string of the non-empty values. */
export function query(values: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

let channels: Promise<string[]> | undefined;

/**
 * The channel names the API takes, read once from its OpenAPI document (the enum of
 * POST /v1/test-send's `channel`), so the console never keeps a copy of core's list.
 */
export function channelNames(): Promise<string[]> {
  channels ??= call<{
    paths: Record<
      string,
      {
        post?: {
          requestBody?: {
            content?: Record<
              string,
              { schema?: { properties?: { channel?: { enum?: string[] } } } }
            >;
          };
        };
      }
    >;
  }>('GET', '/v1/openapi.json').then(
    (doc) =>
      doc.paths['/v1/test-send']?.post?.requestBody?.content?.['application/json']?.schema
        ?.properties?.channel?.enum ?? [],
  );
  return channels;
}
