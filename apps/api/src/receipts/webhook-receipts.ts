import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { z } from 'zod';
import { HeraldError } from '@herald/core';
import { receiptStates, type Receipt } from './receipt.js';

/** The body of a generic receipt, POSTed to /v1/receipts/webhook/<provider>. */
export const webhookReceiptSchema = z
  .object({
    type: z.enum(receiptStates),
    notificationId: z.string().min(1).optional(),
    providerMessageId: z.string().min(1).optional(),
    reason: z.string().max(1000).optional(),
    statusCode: z.number().int().optional(),
    message: z.string().max(1000).optional(),
    occurredAt: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((r) => r.notificationId || r.providerMessageId, {
    message: 'give notificationId or providerMessageId',
  });

/**
 * Verifies a Standard Webhooks signature (webhook-id, webhook-timestamp within five
 * minutes, webhook-signature; any of the provider's secrets while rotating) and maps
 * the body to a receipt.
 */
export function webhookReceipt(
  provider: string,
  secrets: string | readonly string[],
  body: string,
  headers: Record<string, string>,
): Receipt {
  let verified: unknown;
  let lastError: unknown;
  for (const secret of typeof secrets === 'string' ? [secrets] : secrets) {
    try {
      verified = new Webhook(secret).verify(body, headers);
      break;
    } catch (err) {
      lastError = err;
    }
  }
  if (verified === undefined) {
    const why =
      lastError instanceof WebhookVerificationError ? lastError.message : String(lastError);
    throw new HeraldError('HERALD_ERR_RECEIPT_SIGNATURE', [provider, why]);
  }
  const parsed = webhookReceiptSchema.safeParse(verified);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new HeraldError('HERALD_ERR_RECEIPT_INVALID', [
      provider,
      `${issue.path.join('.') || '(body)'}: ${issue.message}`,
    ]);
  }
  const r = parsed.data;
  return {
    provider,
    state: r.type,
    occurredAt: r.occurredAt ?? new Date().toISOString(),
    ...(r.notificationId ? { notificationId: r.notificationId } : {}),
    ...(r.providerMessageId ? { providerMessageId: r.providerMessageId } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
    ...(r.statusCode === undefined ? {} : { statusCode: r.statusCode }),
    ...(r.message ? { message: r.message } : {}),
  };
}
