import type { Logger } from '@herald/core';
import type { TenantSecrets } from '@herald/subscriber-auth';
import type { GatewayMetrics } from './gateway-telemetry.js';
import type { Hub } from './hub.js';
import type { InboxService } from './inbox-service.js';
import type { FeedStore, StatusSink } from './ports.js';
import type { SessionLimits } from './session.js';

/** What every transport and route shares. */
export interface GatewayContext {
  readonly store: FeedStore;
  readonly hub: Hub;
  readonly service: InboxService;
  readonly statuses: StatusSink;
  readonly secrets: TenantSecrets;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  readonly limits: SessionLimits & {
    /** Longest long-poll wait (s). */
    readonly pollMaxWaitSeconds: number;
    /** Most open connections on this replica; over it new ones get 503 / 1013. */
    readonly maxConnections: number;
    /** Client frames per second per WebSocket. */
    readonly framesPerSecond: number;
    /** `subscribe` frames per minute per WebSocket. */
    readonly subscribesPerMinute: number;
  };
  readonly now: () => Date;
}
