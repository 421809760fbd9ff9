import { HeraldError } from '@herald/core';
import {
  classifyHttp,
  classifyNoResponse,
  failureClassFor,
  fromHeraldError,
  networkError,
  permanent,
  transient,
} from './outcomes.js';
import { DeadlineError, deadlineOutcome } from './sdk-call.js';

const now = new Date('2030-01-01T00:00:00Z');
const response = (statusCode: number, headers: Record<string, string> = {}) =>
  ({ kind: 'response', statusCode, headers, body: '' }) as const;

describe('failure classes, set where the failure happens', () => {
  it.each([
    [429, {}, 'rate_limited'],
    [503, { 'retry-after': '5' }, 'rate_limited'],
    [503, {}, 'transient'],
    [401, {}, 'auth'],
    [403, {}, 'auth'],
    [400, {}, 'invalid_request'],
    [404, {}, 'invalid_request'],
    [413, {}, 'invalid_request'],
    [422, {}, 'invalid_request'],
    [410, {}, 'permanent'],
    [301, {}, 'permanent'],
  ])('HTTP %p %p → %p', (status, headers, expected) => {
    expect(classifyHttp('p', response(status, headers), now)).toMatchObject({
      failureClass: expected,
    });
  });

  it('classes a timeout and an abort as timeout, whatever the reason says', () => {
    const timeout = { kind: 'error', cause: 'timeout', error: new Error('x') } as const;
    const aborted = { kind: 'error', cause: 'aborted', error: new Error('x') } as const;
    expect(classifyNoResponse('p', timeout, 500)).toMatchObject({ failureClass: 'timeout' });
    expect(classifyNoResponse('p', aborted, 500)).toMatchObject({ failureClass: 'timeout' });
    for (const reason of ['timeout', 'aborted'] as const) {
      expect(deadlineOutcome('p', new DeadlineError(reason), 500, 'P')).toMatchObject({
        status: 'failed',
        permanent: false,
        failureClass: 'timeout',
      });
    }
  });

  it('reads a socket timeout from the error code, not its message', () => {
    const timedOut = Object.assign(new Error('connect failed'), { code: 'ETIMEDOUT' });
    const wrapped = new Error('fetch failed', {
      cause: Object.assign(new Error('x'), { code: 'UND_ERR_CONNECT_TIMEOUT' }),
    });
    const refused = Object.assign(new Error('timeout in the text only'), {
      code: 'ECONNREFUSED',
    });
    expect(networkError('p', timedOut)).toMatchObject({ failureClass: 'timeout' });
    expect(networkError('p', wrapped)).toMatchObject({ failureClass: 'timeout' });
    expect(networkError('p', refused)).toMatchObject({ failureClass: 'transient' });
  });

  it('never reads the class from the reason text', () => {
    expect(permanent('p', 'HERALD_ERR_TEMPLATE_RENDER timed out')).toMatchObject({
      failureClass: 'permanent',
    });
    expect(transient('p', 'aborted')).toMatchObject({ failureClass: 'transient' });
  });

  it('takes a HeraldError verdict: retriable → transient, else permanent', () => {
    const tooLarge = new HeraldError('HERALD_ERR_CONTENT_TOO_LARGE', ['p', 'too big']);
    expect(fromHeraldError(tooLarge)).toMatchObject({ permanent: true, failureClass: 'permanent' });
    const address = new HeraldError('HERALD_ERR_ADDRESS_INVALID', ['email', 'a list']);
    expect(fromHeraldError(address)).toMatchObject({
      permanent: true,
      failureClass: 'invalid_request',
    });
    const later = new HeraldError('HERALD_ERR_DELIVERY_TRANSIENT', ['p: later']);
    expect(fromHeraldError(later)).toMatchObject({ permanent: false, failureClass: 'transient' });
  });

  it('keeps the order: rate limit, then auth, then the permanent split', () => {
    expect(failureClassFor(false, 401, 1_000)).toBe('rate_limited');
    expect(failureClassFor(true, 401, undefined)).toBe('auth');
    expect(failureClassFor(true, undefined, undefined)).toBe('permanent');
    expect(failureClassFor(false, undefined, undefined)).toBe('transient');
  });
});
