import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The fields of an OTLP/JSON span the tests read (the exporter sends more). */
export interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** Absent or empty on a root span. */
  readonly parentSpanId?: string;
  readonly name: string;
  /** OTLP's numbering: see `spanKinds`. */
  readonly kind: number;
  readonly links?: readonly { readonly traceId: string; readonly spanId: string }[];
  readonly attributes?: readonly {
    readonly key: string;
    readonly value: {
      readonly stringValue?: string;
      readonly intValue?: string | number;
      readonly boolValue?: boolean;
    };
  }[];
}

/** OTLP's `kind` numbers (the JSON exporter sends numbers, not names). */
export const spanKinds = Object.freeze({
  internal: 1,
  server: 2,
  client: 3,
  producer: 4,
  consumer: 5,
});

/** A span's attributes as a plain object (`intValue` as a number), for `toMatchObject`. */
export function spanAttributes(span: OtlpSpan): Record<string, string | number | boolean> {
  return Object.fromEntries(
    (span.attributes ?? []).map((a) => [
      a.key,
      a.value.stringValue ?? a.value.boolValue ?? Number(a.value.intValue),
    ]),
  );
}

/** One OTLP/HTTP export request as it arrived. */
export interface ReceivedExport {
  readonly contentType: string;
  readonly body: Buffer;
}

export interface OtlpReceiver<Span = OtlpSpan> {
  /** `http://127.0.0.1:<port>/v1/traces`, for OTEL_EXPORTER_OTLP_TRACES_ENDPOINT. */
  readonly endpoint: string;
  /** Every export request (JSON or protobuf). */
  readonly received: ReceivedExport[];
  /** The spans of every JSON export, as the exporter sent them, in arrival order. */
  readonly spans: Span[];
  stop(): Promise<void>;
}

/**
 * A local OTLP/HTTP traces endpoint on 127.0.0.1 that keeps what it receives, for
 * tests that assert spans and their parent links. `Span` is the shape the test reads
 * of each OTLP/JSON span (`OtlpSpan` unless told).
 */
export async function startOtlpReceiver<Span = OtlpSpan>(): Promise<OtlpReceiver<Span>> {
  const received: ReceivedExport[] = [];
  const spans: Span[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url !== '/v1/traces' || req.method !== 'POST') {
        res.writeHead(404).end();
        return;
      }
      const contentType = req.headers['content-type'] ?? '';
      const body = Buffer.concat(chunks);
      received.push({ contentType, body });
      if (contentType.includes('json')) {
        const parsed = JSON.parse(body.toString()) as {
          resourceSpans: { scopeSpans: { spans: Span[] }[] }[];
        };
        for (const rs of parsed.resourceSpans)
          for (const ss of rs.scopeSpans) spans.push(...ss.spans);
      }
      res.writeHead(200, { 'content-type': contentType || 'application/json' });
      res.end(contentType.includes('json') ? '{}' : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
    received,
    spans,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
