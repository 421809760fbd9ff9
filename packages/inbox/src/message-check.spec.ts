import type { InboxMessageInput } from './types.js';
import { inboxMessageProblem } from './message-check.js';

const base: InboxMessageInput = {
  tenant: 't',
  subscriber: 's',
  notificationId: 'n',
  title: 'Title',
  body: 'Body',
  event: { id: 'e', type: 'task.created', time: '2026-12-01T00:00:00.000Z' },
  rule: { id: 'r', version: 1 },
  attempt: 1,
};

describe('inboxMessageProblem', () => {
  it('accepts a message within the limits, emoji counted as one character', () => {
    expect(inboxMessageProblem({ ...base, title: '🎉'.repeat(500), tags: ['a', 'b'] })).toBe(
      undefined,
    );
  });

  it.each<[string, Partial<InboxMessageInput>, RegExp]>([
    ['no title', { title: '' }, /title is missing/],
    ['a blank title', { title: '  ' }, /title is missing/],
    ['a long title', { title: 'x'.repeat(501) }, /title is 501 characters, over the limit of 500/],
    ['a long body', { body: 'x'.repeat(10_001) }, /body is 10001 characters/],
    ['a long action URL', { actionUrl: `https://x/${'a'.repeat(2048)}` }, /actionUrl is/],
    ['too many tags', { tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, /21 tags/],
    ['an empty tag', { tags: [''] }, /tag "" must be 1 to 100/],
    ['large data', { data: { x: 'y'.repeat(33_000) } }, /over the limit of 32768/],
    ['a non-string category', { category: 5 as unknown as string }, /category must be a string/],
  ])('refuses %s', (_what, change, problem) => {
    expect(inboxMessageProblem({ ...base, ...change })).toMatch(problem);
  });
});
