export { createWebhookProvider } from './webhook/webhook-provider.js';
export type { WebhookProvider } from './webhook/webhook-provider.js';
export type {
  WebhookProviderConfig,
  WebhookSecret,
  WebhookSecrets,
} from './webhook/webhook-provider-config.js';
export { WebhookSigner } from './webhook/webhook-signer.js';
export { addressPolicy } from './net/address-policy.js';
export type { AddressPolicyConfig, AddressDecision } from './net/address-policy.js';
export { parseRetryAfter } from './http/retry-after.js';
