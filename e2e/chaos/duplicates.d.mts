export interface AcceptedRequest {
  readonly at: number;
  readonly sentSec: number;
  readonly duplicate: boolean;
  unanswered: boolean;
  answered(answeredAt: number): void;
  unanswer(): void;
}
export interface StatusLike {
  readonly subject: string;
  readonly time?: string;
  readonly data?: {
    readonly state?: string;
    readonly reason?: string;
    readonly occurredAt?: string;
    readonly attempt?: number;
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
  accepted(id: string, at: number, sentSec: number): AcceptedRequest;
  status(status: StatusLike): void;
  fault(name: string, at: number): void;
  classify(): {
    ambiguous: number;
    avoidable: number;
    causes: Record<string, number>;
    samples: DuplicateSample[];
  };
}
export declare function createDuplicateLedger(options: { timeoutMs: number }): DuplicateLedger;
