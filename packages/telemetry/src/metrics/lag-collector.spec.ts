import { partitionLag } from './lag-collector.js';

describe('partitionLag', () => {
  it('is the end offset minus the committed offset', () => {
    expect(partitionLag('40', '100', '0')).toBe(60);
    expect(partitionLag('100', '100', '0')).toBe(0);
  });

  it('counts every retained record when the group never committed', () => {
    expect(partitionLag('-1', '100', '30')).toBe(70);
  });

  it('never counts records retention already deleted, and is never negative', () => {
    expect(partitionLag('10', '100', '30')).toBe(70);
    expect(partitionLag('120', '100', '0')).toBe(0);
  });

  it('handles offsets past 2^53', () => {
    expect(partitionLag('9007199254740993', '9007199254740995', '0')).toBe(2);
  });
});
