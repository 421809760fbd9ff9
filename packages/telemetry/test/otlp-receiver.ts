import type { ReceivedExport } from '@herald/testkit';

export { startOtlpReceiver } from '@herald/testkit';

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
