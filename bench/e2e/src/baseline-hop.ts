/**
 * What a bare baseline hop does to one record, on either client (baseline-stage.ts on
 * kafkajs, baseline-platformatic.ts on @platformatic/kafka): `route` turns an event into
 * a job for the receiver; `deliver` POSTs the job's payload over a keep-alive agent and
 * returns a `sent` status. Nothing else: no rules, templates, rate limits, idempotency
 * or audit.
 */
import { Agent, request } from 'node:http';

export interface BareHop {
  readonly input: string;
  readonly output: string;
  transform(value: string, key: string): Promise<{ key: string; value: string }>;
}

export function bareHop(mode: string, prefix: string, receiverUrl: string | undefined): BareHop {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  function post(url: string, body: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
  return {
    input: mode === 'route' ? `${prefix}bare.events` : `${prefix}bare.deliveries`,
    output: mode === 'route' ? `${prefix}bare.deliveries` : `${prefix}bare.status`,
    async transform(value, key) {
      if (mode === 'route') {
        const event = JSON.parse(value) as { id: string; data: unknown };
        return {
          key,
          value: JSON.stringify({ id: event.id, url: `${receiverUrl}/bare`, payload: event.data }),
        };
      }
      const job = JSON.parse(value) as { id: string; url: string; payload: unknown };
      const statusCode = await post(job.url, JSON.stringify(job.payload));
      return { key: job.id, value: JSON.stringify({ id: job.id, state: 'sent', statusCode }) };
    },
  };
}
