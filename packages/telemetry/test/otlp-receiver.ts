import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedExport {
  readonly contentType: string;
  readonly body: Buffer;
}

/** A local OTLP/HTTP traces endpoint that keeps every export request it receives. */
export async function startOtlpReceiver() {
  const received: ReceivedExport[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.method === 'POST') {
        received.push({
          contentType: req.headers['content-type'] ?? '',
          body: Buffer.concat(chunks),
        });
        res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/json' });
        res.end(req.headers['content-type']?.includes('json') ? '{}' : undefined);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}/v1/traces`,
    received,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  service: string;
}

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean };

/** Flattens OTLP/JSON export bodies into spans with plain attributes. */
export function spansFrom(received: readonly ReceivedExport[]): OtlpSpan[] {
  const spans: OtlpSpan[] = [];
  for (const request of received) {
    const body = JSON.parse(request.body.toString()) as {
      resourceSpans: Array<{
        resource: { attributes: Array<{ key: string; value: AnyValue }> };
        scopeSpans: Array<{
          spans: Array<{
            traceId: string;
            spanId: string;
            parentSpanId?: string;
            name: string;
            kind: number;
            attributes: Array<{ key: string; value: AnyValue }>;
          }>;
        }>;
      }>;
    };
    for (const rs of body.resourceSpans) {
      const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value
        .stringValue;
      for (const ss of rs.scopeSpans) {
        for (const span of ss.spans) {
          const attributes: Record<string, unknown> = {};
          for (const a of span.attributes) {
            attributes[a.key] =
              a.value.stringValue ?? a.value.boolValue ?? Number(a.value.intValue);
          }
          spans.push({ ...span, attributes, service: service ?? '' });
        }
      }
    }
  }
  return spans;
}
