/**
 * Property-based (fast-check) checks of event decoding: whatever bytes and headers a
 * record carries, decodeCloudEvent never throws and answers either an event or a
 * HeraldError with a registry code; a valid event survives encode → decode. Seeded:
 * a failure prints its seed and path, and `{ seed, path }` in FUZZ replays it.
 */
import fc from 'fast-check';
import { errorCodes, HeraldError } from '../errors.js';
import { decodeCloudEvent, encodeCloudEvent, validateCloudEvent } from './cloud-event.js';

const FUZZ = { seed: 18_2026, numRuns: 300 };

const header = fc.oneof(
  fc.string(),
  fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
);
const headers = fc.dictionary(
  fc.oneof(
    fc.constantFrom('ce_specversion', 'ce_id', 'ce_source', 'ce_type', 'ce_time', 'content-type'),
    fc.string({ maxLength: 12 }).map((s) => `ce_${s}`),
    fc.string({ maxLength: 12 }),
  ),
  header,
  { maxKeys: 8 },
);
const jsonish = fc.oneof(
  fc.json().map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  fc
    .record(
      {
        specversion: fc.oneof(fc.constant('1.0'), fc.string()),
        id: fc.oneof(fc.string(), fc.integer()),
        source: fc.string(),
        type: fc.string(),
        time: fc.oneof(
          fc.string(),
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        ),
        data: fc.jsonValue(),
      },
      { requiredKeys: [] },
    )
    .map((o) => Buffer.from(JSON.stringify(o))),
);

function expectAnswered(result: ReturnType<typeof decodeCloudEvent>): void {
  if (result.ok) return;
  expect(result.error).toBeInstanceOf(HeraldError);
  expect(Object.keys(errorCodes)).toContain(result.error.code);
}

it('decodes or refuses with a code any record (structured or binary), never throwing', () => {
  fc.assert(
    fc.property(fc.option(jsonish, { nil: null }), headers, (value, hdrs) => {
      expectAnswered(decodeCloudEvent({ value, headers: hdrs }));
    }),
    FUZZ,
  );
});

it('validates or refuses with a code any JSON value as an envelope', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (candidate) => {
      expectAnswered(validateCloudEvent(candidate));
    }),
    FUZZ,
  );
});

it('a valid event survives encode → decode unchanged', () => {
  const event = fc.record({
    specversion: fc.constant('1.0' as const),
    id: fc.string({ minLength: 1, maxLength: 40 }),
    source: fc.string({ minLength: 1, maxLength: 40 }),
    type: fc.string({ minLength: 1, maxLength: 40 }),
    data: fc.jsonValue(),
  });
  fc.assert(
    fc.property(event, (e) => {
      const first = validateCloudEvent(e);
      fc.pre(first.ok);
      const again = decodeCloudEvent({
        value: encodeCloudEvent(first.ok ? first.event : (e as never)),
      });
      expect(again.ok && again.event).toEqual(first.ok && first.event);
    }),
    FUZZ,
  );
});
