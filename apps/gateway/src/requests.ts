import { z } from 'zod';
import { HeraldError } from '@herald/core';
import {
  feedStatuses,
  markActions,
  type FeedQuery,
  type MarkAction,
  type MarkTarget,
} from './ports.js';

/**
 * Error codes that mean "the client sent something wrong" (HTTP 400, WebSocket 4400),
 * ours and the inbox store's (a cursor it did not issue, or one beyond the latest seq).
 */
const badRequestCodes: ReadonlySet<string> = new Set([
  'HERALD_ERR_GATEWAY_REQUEST_INVALID',
  'HERALD_ERR_INBOX_CURSOR_INVALID',
  'HERALD_ERR_INBOX_CURSOR_AHEAD',
  'HERALD_ERR_INBOX_REQUEST_INVALID',
]);

/** The refusal reason of a client error, or undefined when it is no client error. */
export function badRequestReason(err: unknown): 'cursor_future' | 'bad_request' | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !badRequestCodes.has(code)) return undefined;
  return code === 'HERALD_ERR_INBOX_CURSOR_AHEAD' ||
    (err as Error).message.includes('from the future')
    ? 'cursor_future'
    : 'bad_request';
}

function invalid(reason: string): HeraldError {
  return new HeraldError('HERALD_ERR_GATEWAY_REQUEST_INVALID', [reason]);
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue === undefined ? 'invalid' : `${issue.path.join('.') || 'body'}: ${issue.message}`;
}

const id = z.string().min(1).max(200);

const feedQuerySchema = z.object({
  status: z.enum(feedStatuses).default('all'),
  category: z.string().min(1).max(100).optional(),
  tags: z
    .string()
    .max(1000)
    .transform((s) =>
      s
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    )
    .optional(),
  cursor: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

/** `GET /v1/inbox/messages` query: status, category, tags (comma list), cursor, limit. */
export function parseFeedQuery(query: unknown): FeedQuery {
  const result = feedQuerySchema.safeParse(query ?? {});
  if (!result.success) throw invalid(firstIssue(result.error));
  const { tags, category, cursor, ...rest } = result.data;
  return {
    ...rest,
    ...(category === undefined ? {} : { category }),
    ...(tags === undefined || tags.length === 0 ? {} : { tags }),
    ...(cursor === undefined ? {} : { cursor }),
  };
}

/**
 * A resume cursor (`after`, `Last-Event-ID`): a seq ≥ 0. Above the subscriber's last
 * seq it is from the future (another subscriber's, or a forged one): refused, since
 * resuming there would silently skip messages.
 */
export function parseSeq(raw: unknown, name: string): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const text = Array.isArray(raw) ? String(raw[0]) : String(raw);
  if (!/^\d{1,15}$/.test(text))
    throw invalid(`${name} must be a sequence number (digits), got "${text.slice(0, 20)}"`);
  return Number(text);
}

export function checkNotFuture(after: number, lastSeq: number, name: string): void {
  if (after > lastSeq) {
    throw invalid(`${name} ${after} is from the future: this inbox's last sequence is ${lastSeq}`);
  }
}

const markSchema = z.union([
  z.object({ action: z.enum(markActions), ids: z.array(id).min(1).max(500) }).strict(),
  z.object({ action: z.enum(markActions), all: z.literal(true) }).strict(),
]);

/** `{action, ids: [...]}` or `{action, all: true}`. */
export function parseMark(body: unknown): { action: MarkAction; target: MarkTarget } {
  const result = markSchema.safeParse(body);
  if (!result.success) {
    throw invalid(
      `expected {"action": "${markActions.join('|')}", "ids": [...]} or {"action": ..., "all": true} (${firstIssue(result.error)})`,
    );
  }
  const data = result.data;
  return { action: data.action, target: 'all' in data ? 'all' : data.ids };
}

const deleteSchema = z.object({ ids: z.array(id).min(1).max(500) }).strict();

export function parseDelete(body: unknown): readonly string[] {
  const result = deleteSchema.safeParse(body);
  if (!result.success) throw invalid(`expected {"ids": [...]} (${firstIssue(result.error)})`);
  return result.data.ids;
}

/** Frames a WebSocket client sends. */
export const clientFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribe'), after: z.number().int().min(0).optional() }),
  z.object({ type: z.literal('ack'), ids: z.array(id).min(1).max(500) }),
  z.object({
    type: z.literal('mark'),
    id: z.string().max(100).optional(),
    action: z.enum(markActions),
    ids: z.array(id).min(1).max(500).optional(),
    all: z.literal(true).optional(),
  }),
  z.object({ type: z.literal('counts'), id: z.string().max(100).optional() }),
  z.object({ type: z.literal('ping') }),
]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;

export function parseClientFrame(text: string): ClientFrame {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('frame is not JSON');
  }
  const result = clientFrameSchema.safeParse(parsed);
  if (!result.success) {
    throw invalid(
      `unknown or malformed frame (${firstIssue(result.error)}); expected subscribe, ack, mark, counts or ping`,
    );
  }
  return result.data;
}
