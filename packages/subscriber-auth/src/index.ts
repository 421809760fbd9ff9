export { issueSubscriberToken, verifySubscriberToken, SUBSCRIBER_AUDIENCE } from './tokens.js';
export type { IssueOptions, SubscriberIdentity } from './tokens.js';
export { readTenantSecrets, subscriberAuthEnv, tenantSecretsFromJson } from './tenant-secrets.js';
export type { SubscriberAuthSettings, TenantSecrets } from './tenant-secrets.js';
