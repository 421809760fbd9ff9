import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  checkAddress,
  HeraldError,
  isHeraldError,
  type ChannelName,
  type DeliveryJob,
  type DeliveryOutcome,
  type RenderedContent,
} from '@herald/core';
import { TemplateStore, type HeraldDatabase } from '@herald/store';
import { renderTemplate } from './templates.js';

/**
 * The part of `@herald/channels` a test send needs: `createChannelRouter` bound to the
 * app's `channelsEnv()` settings. Passed in so this package does not load every
 * provider's SDK for callers that never send (and tests can point it at local servers).
 */
export type BuildChannelRouter = (channels: readonly ChannelName[]) => {
  send(
    job: DeliveryJob,
    content: RenderedContent | undefined,
    signal: AbortSignal,
  ): Promise<DeliveryOutcome>;
  /** The provider the job goes to (named in the answer when the provider does not name itself). */
  providerFor(job: DeliveryJob): { readonly name: string } | undefined;
  close(): Promise<void>;
};

export interface TestSendInput {
  /** The API key's tenant: only its templates ("<tenant>.…") may be used. Absent: any (CLI). */
  readonly tenant?: string | undefined;
  readonly channel: ChannelName;
  /** The address to send to (e-mail, E.164 phone, URL…), checked as a stored one would be. */
  readonly to: string;
  /** A stored template: `id` or `id@version`. */
  readonly template?: string | undefined;
  /** Or an inline template's parts (subject, text, html, body…), rendered the same way. */
  readonly content?: Readonly<Record<string, unknown>> | undefined;
  readonly data?: unknown;
  readonly locale?: string | undefined;
  readonly timezone?: string | undefined;
}

export interface TestSendResult {
  readonly status: 'sent' | 'failed';
  /** Which provider answered, e.g. `twilio`, `webhook`. */
  readonly provider?: string;
  readonly providerMessageId?: string;
  readonly providerStatus?: number;
  readonly failureClass?: string;
  readonly permanent?: boolean;
  readonly reason?: string;
  readonly template?: { readonly id: string; readonly version: number; readonly locale: string };
  readonly content?: unknown;
}

// The inline template is rendered alone (the set holds no stored template), so its id shadows none.
const INLINE = 'test-send:inline';

/**
 * Renders one message (a stored template or inline parts, with sample data) and sends
 * it through the channel's real provider, as a worker would, to one address: `herald
 * test-send` and `POST /v1/test-send`. Nothing is published or recorded (no
 * notification exists). Throws HERALD_ERR_ADDRESS_INVALID, HERALD_ERR_TEMPLATE_NOT_FOUND
 * (also for another tenant's template: no existence leak), _RENDER, and
 * HERALD_ERR_TEST_SEND_CHANNEL when the channel has no configured provider; a provider's
 * refusal is an answer (`status: 'failed'` with its class), not an error.
 */
export async function testSend(
  deps: {
    readonly db: Kysely<HeraldDatabase>;
    readonly router: BuildChannelRouter;
    readonly now: () => Date;
    readonly signal?: AbortSignal;
  },
  input: TestSendInput,
): Promise<TestSendResult> {
  const checked = checkAddress(input.channel, input.to);
  if (!checked.ok) throw checked.error;

  let router: ReturnType<BuildChannelRouter>;
  try {
    router = deps.router([input.channel]);
  } catch (err) {
    // The router names the missing settings and never quotes a credential.
    if (isHeraldError(err) && err.code === 'HERALD_ERR_CHANNEL_CONFIG')
      throw new HeraldError('HERALD_ERR_TEST_SEND_CHANNEL', [input.channel, err.message]);
    throw err;
  }
  const now = deps.now().toISOString();
  const id = randomUUID();
  const job: DeliveryJob = {
    notificationId: `test-send-${id}`,
    event: { id, source: 'herald:test-send', type: 'herald.test_send', time: now },
    tenant: input.tenant ?? 'default',
    rule: { id: INLINE, version: 0 },
    channel: input.channel,
    recipient: { ref: 'test-send', address: checked.address },
    ...(input.locale === undefined ? {} : { locale: input.locale }),
    ...(input.timezone === undefined ? {} : { timezone: input.timezone }),
    priority: 'high',
    attempt: 1,
    payload: input.data ?? {},
    plannedAt: now,
  };
  try {
    // After the router: a channel the api cannot send on is said before template problems.
    const rendered = await render(deps.db, input, deps.now());
    const outcome = await router.send(
      job,
      rendered?.content as RenderedContent | undefined,
      deps.signal ?? AbortSignal.timeout(60_000),
    );
    const provider = outcome.provider;
    const name = provider?.name ?? router.providerFor(job)?.name;
    return {
      status: outcome.status,
      ...(name === undefined ? {} : { provider: name }),
      ...(provider?.messageId === undefined ? {} : { providerMessageId: provider.messageId }),
      ...(provider?.statusCode === undefined ? {} : { providerStatus: provider.statusCode }),
      ...(outcome.status === 'failed'
        ? {
            failureClass: outcome.failureClass,
            permanent: outcome.permanent,
            reason: outcome.reason,
          }
        : {}),
      ...(rendered === undefined
        ? {}
        : {
            ...(rendered.id === INLINE
              ? {}
              : {
                  template: {
                    id: rendered.id,
                    version: rendered.version,
                    locale: rendered.locale,
                  },
                }),
            content: rendered.content,
          }),
    };
  } finally {
    await router.close();
  }
}

async function render(db: Kysely<HeraldDatabase>, input: TestSendInput, now: Date) {
  if (input.template === undefined && input.content === undefined) return undefined;
  const snapshot = await new TemplateStore(db).load();
  const options = {
    locale: input.locale,
    data: input.data ?? {},
    now,
    timezone: input.timezone,
  };
  if (input.template !== undefined) {
    const id = input.template.split('@')[0]!;
    if (input.tenant !== undefined && !id.startsWith(`${input.tenant}.`))
      // Another tenant's template answers as a missing one would.
      throw new HeraldError('HERALD_ERR_TEMPLATE_NOT_FOUND', [
        input.template,
        input.channel,
        input.locale ?? 'default',
        input.template,
      ]);
    return renderTemplate(snapshot, input.template, input.channel, options);
  }
  const inline = {
    id: INLINE,
    version: 1,
    channel: input.channel,
    locale: 'default',
    parts: { ...input.content },
  };
  return renderTemplate({ ...snapshot, templates: [inline] }, INLINE, input.channel, {
    ...options,
    locale: undefined,
  });
}
