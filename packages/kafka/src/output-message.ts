// The stage contract lives in core; re-exported so `@herald/kafka` imports keep working.
export type { OutputMessage } from '@herald/core';
