/**
 * A counting semaphore: at most `size` holders at once, waiters served first come, first
 * served. `take()` resolves at once while a slot is free; `give()` hands a slot to the
 * longest waiter, or frees it.
 */
export function createSlots(size: number) {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`slots: ${size} is not ≥ 1`);
  let free = size;
  // A queue as an array and a head index: no shift() per hand-over.
  let waiting: (() => void)[] = [];
  let head = 0;
  const ready = Promise.resolve();
  return {
    take(): Promise<void> {
      if (free > 0) {
        free--;
        return ready;
      }
      return new Promise<void>((resolve) => waiting.push(resolve));
    },
    give(): void {
      if (head < waiting.length) {
        const wake = waiting[head]!;
        waiting[head++] = undefined as unknown as () => void;
        if (head === waiting.length) {
          waiting = [];
          head = 0;
        }
        wake();
      } else free++;
    },
    /** Slots free now (for tests). */
    get free() {
      return free;
    },
  };
}
