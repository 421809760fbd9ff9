import { advanceReplayWatermark, committedOffset } from './replay-watermark.js';

describe('advanceReplayWatermark', () => {
  it('moves over the handled records that directly follow it', () => {
    expect(advanceReplayWatermark(2n, 0n, [2n, 3n, 5n])).toBe(4n);
    expect(advanceReplayWatermark(2n, 0n, [3n])).toBe(2n);
  });
  it('starts at the oldest kept record when nothing is committed or retention deleted it', () => {
    expect(advanceReplayWatermark(undefined, 7n, [7n, 8n])).toBe(9n);
    expect(advanceReplayWatermark(3n, 7n, [])).toBe(7n);
  });
  it('reads kafkajs offsets', () => {
    expect(committedOffset('-1')).toBeUndefined();
    expect(committedOffset('')).toBeUndefined();
    expect(committedOffset('12')).toBe(12n);
  });
});
