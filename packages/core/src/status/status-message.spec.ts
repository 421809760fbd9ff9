import type { DeliveryJob } from '../delivery/delivery-job.js';
import { statusEventFor, statusEventFromData } from './status-event.js';
import { statusContentType, statusMessage } from './status-message.js';

const job: DeliveryJob = {
  notificationId: '0b5c2f8e-1a3d-8f4e-9b6a-7c8d9e0f1a2b',
  event: { id: 'evt-1', source: '/test', type: 'order.shipped', time: '2026-11-21T08:00:00Z' },
  tenant: 'acme',
  rule: { id: 'shipping', version: 3 },
  channel: 'email',
  recipient: { ref: 'customer-42', address: 'a@example.com' },
  priority: 'normal',
  attempt: 1,
  payload: null,
  plannedAt: '2026-11-21T08:00:00Z',
};
const at = new Date('2026-11-21T08:00:01Z');
const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('statusMessage', () => {
  it('keys by notification id and sets the CloudEvents Kafka binding content-type', () => {
    const event = statusEventFor(job, 'sent', 'herald/worker', at);
    const message = statusMessage(event);
    expect(message.key).toBe(job.notificationId);
    expect(message.headers).toEqual({ 'content-type': statusContentType });
    expect(statusContentType).toMatch(/^application\/cloudevents\+json/);
    expect(JSON.parse(message.value.toString())).toEqual(event);
  });

  it('carries the trace headers only, and puts traceparent on the event when it had none', () => {
    const event = statusEventFromData(
      { ...statusEventFor(job, 'suppressed', 'herald/router', at).data, reason: 'opted_out' },
      'herald/router',
    );
    const message = statusMessage(event, {
      traceparent,
      tracestate: 'vendor=1',
      'herald-reject-code': 'not a trace header',
    });
    expect(message.headers).toEqual({
      traceparent,
      tracestate: 'vendor=1',
      'content-type': statusContentType,
    });
    expect(JSON.parse(message.value.toString())).toEqual({ ...event, traceparent });
  });

  it("keeps the event's own traceparent and sends it as the header", () => {
    const event = statusEventFor(job, 'retrying', 'herald/worker', at, { traceparent });
    expect(statusMessage(event).headers.traceparent).toBe(traceparent);
  });
});
