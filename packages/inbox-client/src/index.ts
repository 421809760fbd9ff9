export { InboxClient, InboxError } from './inbox-client.js';
export type { InboxClientEvents, InboxClientOptions, WebSocketLike } from './inbox-client.js';
export { SseParser } from './sse-reader.js';
export type { SseEvent } from './sse-reader.js';
export type {
  FeedPage,
  FeedQuery,
  InboxCounts,
  InboxItem,
  MarkAction,
  ServerFrame,
  StateChange,
} from './types.js';
