export interface Point {
  readonly t: number;
  readonly v: number;
}
export interface LeakBound {
  readonly kind: 'rate' | 'total';
  readonly bound: number;
  readonly unit: 'bytes' | 'count';
  /** Below this much measured time after warm-up the metric is reported, not bounded. */
  readonly minWindowMs?: number;
}
export declare const defaultLeakBounds: Readonly<Record<string, LeakBound>>;
export declare function fitLine(points: readonly Point[]): {
  slope: number;
  intercept: number;
  stderr: number;
};
export declare function afterWarmup(points: readonly Point[], warmupFraction: number): Point[];
export interface LeakVerdict {
  readonly process: string;
  readonly metric: string;
  readonly ok: boolean;
  /** True when the run was too short for this metric's bound (ok, not judged). */
  readonly skipped?: boolean;
  readonly samples: number;
  readonly windowMs: number;
  readonly growth: number;
  readonly bound: number;
  readonly per: string;
  readonly message: string;
}
export declare function leakVerdicts(
  series: Record<string, Record<string, readonly Point[]>>,
  options?: {
    warmupFraction?: number;
    bounds?: Readonly<Record<string, LeakBound>>;
    minSamples?: number;
  },
): LeakVerdict[];
