import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface AcceptedRequest {
  readonly at: number;
  readonly sentSec: number;
  readonly port: number | undefined;
  readonly duplicate: boolean;
  unanswered: boolean;
  why: 'late' | 'closed' | 'dropped' | undefined;
  answered(answeredAt: number): void;
  unanswer(why?: 'closed' | 'dropped' | 'late'): void;
}
export interface StatusLike {
  readonly subject: string;
  readonly time?: string;
  readonly data?: {
    readonly state?: string;
    readonly reason?: string;
    readonly occurredAt?: string;
    readonly attempt?: number;
    readonly attemptStartedAt?: string;
  };
}
export interface DuplicateSample {
  readonly id: string;
  readonly at: number;
  readonly previous: number;
  readonly previousSentSec: number;
  readonly statuses: readonly { state?: string; attempt?: number; at: number }[];
}
export interface DuplicateLedger {
  accepted(id: string, at: number, sentSec: number, port?: number): AcceptedRequest;
  killed(at: number, ports: Iterable<number>): void;
  status(status: StatusLike): void;
  fault(name: string, at: number): void;
  classify(): {
    ambiguous: number;
    ambiguousBy: {
      late: number;
      closed: number;
      dropped: number;
      paired: number;
      window: number;
      killed: number;
    };
    avoidable: number;
    causes: Record<string, number>;
    samples: DuplicateSample[];
  };
}
export declare const TIMER_SLACK_MS: number;
export declare function createDuplicateLedger(options: { timeoutMs: number }): DuplicateLedger;
export declare function requestOn(socket: Socket): void;
export declare function answeredOn(socket: Socket, request: AcceptedRequest, at: number): void;
export declare function watchDroppedAnswers(server: Server): void;
