// The Secret type lives in core since the gateway's subscriber-token secrets use it too.
export { Secret } from '@herald/core';
