export { buildApi } from './api.js';
export type { Api } from './api.js';
export { parseApiEnv } from './env.js';
export type { ApiEnv } from './env.js';
export { receiptStates } from './receipts/receipt.js';
export type { Receipt, ReceiptState } from './receipts/receipt.js';
export {
  sesReceipt,
  SES_NOTIFICATION_HEADER,
  SES_NOTIFICATION_TAG,
} from './receipts/ses-receipts.js';
export { snsStringToSign, SnsVerifier } from './receipts/sns-verifier.js';
export type { SnsMessage, SnsVerifierConfig } from './receipts/sns-verifier.js';
export {
  twilioReceipt,
  twilioSignature,
  verifyTwilioSignature,
} from './receipts/twilio-receipts.js';
export { webhookReceipt, webhookReceiptSchema } from './receipts/webhook-receipts.js';
