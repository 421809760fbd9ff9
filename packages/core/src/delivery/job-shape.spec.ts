import { decodeDeliveryJob, deliveryJobSchema, type DeliveryJob } from './delivery-job.js';
import { isCommonDeliveryJob } from './job-shape.js';

const job: DeliveryJob = {
  notificationId: '0190a8b0-7c4e-8a1b-9c3d-2e4f5a6b7c8d',
  event: { id: 'evt-1', source: 'shop', type: 'order.created', time: '2026-11-01T00:00:00.000Z' },
  tenant: 'acme',
  rule: { id: 'r', version: 0 },
  channel: 'webhook',
  recipient: { ref: 'cust-1', address: 'https://example.com/hook' },
  priority: 'normal',
  attempt: 1,
  payload: { order: 1 },
  options: { secretRef: 'hooks' },
  template: { ref: 'order' },
  orderingKey: 'cust-1|s',
  plannedAt: '2026-11-01T00:00:00.000Z',
  producedAt: '2026-11-01T00:00:00.000Z',
};
const bytes = (v: unknown) => Buffer.from(JSON.stringify(v));
const zodOf = (v: unknown) => deliveryJobSchema.safeParse(v);

describe('decodeDeliveryJob without zod (isCommonDeliveryJob)', () => {
  it('takes a planned job as it is: the same value zod gives', () => {
    expect(isCommonDeliveryJob(JSON.parse(JSON.stringify(job)))).toBe(true);
    expect(decodeDeliveryJob(bytes(job))).toEqual(zodOf(job).data);
    const { options: _o, template: _t, orderingKey: _k, ...bare } = job;
    expect(isCommonDeliveryJob(bare)).toBe(true);
    expect(decodeDeliveryJob(bytes(bare))).toEqual(zodOf(bare).data);
  });

  // What zod would strip or check deeper goes through zod, which still decides.
  it.each([
    ['an unknown field', { ...job, extra: 1 }],
    ['an unknown nested field', { ...job, event: { ...job.event, extra: 1 } }],
    ['history', { ...job, history: [] }],
    ['options.headers', { ...job, options: { headers: { a: 'b' } } }],
    ['a digest', { ...job, digest: { key: 'k', template: 't' } }],
  ])('leaves %s to zod', (_name, value) => {
    expect(isCommonDeliveryJob(value)).toBe(false);
    expect(decodeDeliveryJob(bytes(value))).toEqual(zodOf(value).data);
  });

  // Never looser than the schema: each is refused here, and by zod with its reason.
  it.each([
    ['notificationId', { ...job, notificationId: '' }],
    ['event.source', { ...job, event: { ...job.event, source: 7 } }],
    ['event.time', { ...job, event: { ...job.event, time: null } }],
    ['rule.version', { ...job, rule: { id: 'r', version: -1 } }],
    ['rule.version', { ...job, rule: { id: 'r', version: 1.5 } }],
    ['channel', { ...job, channel: 'pigeon' }],
    ['recipient.address', { ...job, recipient: { ref: 'c' } }],
    ['template.ref', { ...job, template: { ref: '' } }],
    ['priority', { ...job, priority: 'urgent' }],
    ['attempt', { ...job, attempt: 0 }],
    ['attempt', { ...job, attempt: 2 ** 60 }],
    ['options.secretRef', { ...job, options: { secretRef: 1 } }],
    ['orderingKey', { ...job, orderingKey: '' }],
    ['plannedAt', { ...job, plannedAt: undefined }],
    ['(root)', []],
  ])('refuses a bad %s with the schema reason', (field, value) => {
    expect(isCommonDeliveryJob(value)).toBe(false);
    expect(zodOf(value).success).toBe(false);
    expect(() => decodeDeliveryJob(bytes(value))).toThrow(
      expect.objectContaining({
        code: 'HERALD_ERR_JOB_INVALID',
        message: expect.stringContaining(field),
      }),
    );
  });
});
