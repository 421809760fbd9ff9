import type { StatusLike } from './duplicates.mjs';

export interface Admissions {
  readonly times: readonly number[];
  status(status: StatusLike): boolean;
}
export declare function createAdmissions(): Admissions;
