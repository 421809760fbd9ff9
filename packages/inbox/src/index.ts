export { InboxStore, inboxTables } from './inbox-store.js';
export type { InboxStoreOptions } from './inbox-store.js';
export type { InboxTables } from './inbox-rows.js';
export { InboxFanout } from './fanout.js';
export type { InboxFanoutOptions, InboxNote, NoteHandler } from './fanout.js';
export { inboxStatusMessage, inboxStatusSource } from './status.js';
export type { InboxStatusState } from './status.js';
export { inboxMessageProblem } from './message-check.js';
export { maxIdsPerRequest } from './inbox-queries.js';
export type {
  AppendResult,
  FeedFilter,
  FeedPage,
  FeedQuery,
  InboxCounts,
  InboxMessage,
  InboxMessageInput,
  MarkState,
  MarkedMessage,
} from './types.js';
export { createInappProvider, inboxInput } from './inapp-provider.js';
export type { InappProviderDeps } from './inapp-provider.js';
