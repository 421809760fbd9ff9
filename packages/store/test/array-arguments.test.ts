/**
 * herald_audit_write's array arguments in Postgres' binary format read back exactly as
 * the text literals did (issue 19, round 9): every element type Herald sends, with the
 * edge cases of each (times across Postgres' epoch, leap days, year 1 and 9999, text
 * with quotes, backslashes, NUL, braces and every plane of Unicode, NULLs, empty
 * arrays), and a value the binary form cannot carry exactly (a time with microseconds or
 * an offset, a uuid without hyphens, year 0) sends its column as text, as before.
 */
import { sql, type Kysely } from 'kysely';
import { AuditStore, type HeraldDatabase } from '@herald/store';
import { arrayBinary, arrayLiteral } from '../src/array-arguments.js';
import { deterministicId, statusEventFor } from '@herald/core';
import { auditJob } from './audit-job.js';
import { migratedDatabase } from './migrated-database.js';

let db: Kysely<HeraldDatabase>;
migratedDatabase((created) => {
  db = created;
});

type Row = { v: unknown };
const rowsOf = (values: readonly unknown[]): Row[] => values.map((v) => ({ v }));

/** What Postgres reads from one argument, each element as its text output. */
async function readBack(arg: string | Buffer, type: string): Promise<(string | null)[]> {
  const { rows } = await sql<{ v: string | null }>`
    select x::text as v from unnest(${arg}::${sql.raw(type)}[]) with ordinality u(x, i) order by i
  `.execute(db);
  return rows.map((r) => r.v);
}

const NUL = String.fromCharCode(0);

const cases: readonly (readonly [string, readonly unknown[]])[] = [
  [
    'timestamptz',
    [
      '2026-12-07T05:10:39.123Z',
      '2000-01-01T00:00:00.000Z',
      '1999-12-31T23:59:59.999Z',
      '1970-01-01T00:00:00.000Z',
      '1969-12-31T23:59:59.999Z',
      '2024-02-29T12:00:00.001Z',
      '1900-03-01T00:00:00.000Z',
      '0001-01-01T00:00:00.000Z',
      '1582-10-04T23:59:59.999Z',
      '2255-06-05T23:47:34.740Z',
      '9999-12-31T23:59:59.999Z',
      null,
    ],
  ],
  [
    'uuid',
    [
      '0190a8b0-7c4e-7a1b-9c3d-2e4f5a6b7c8d',
      'FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF',
      '00000000-0000-0000-0000-000000000000',
      null,
    ],
  ],
  ['int4', [0, 1, -1, 2147483647, -2147483648, null, 1000003]],
  ['bool', [true, false, null]],
  [
    'text',
    [
      'plain',
      '',
      'NULL',
      'null',
      ' spaced ',
      'a"quote',
      'back\\slash\\',
      '\\"',
      '{braces},commas',
      `nul${NUL}inside${NUL}`,
      'é ü ß ø',
      '日本語のテキスト',
      '🔔 notification 👍🏽',
      'a\u0301 combining',
      'lone \ud800 half',
      'line\nbreak\ttab',
      null,
    ],
  ],
];

describe('array arguments in binary', () => {
  it.each(cases)(
    '%s: the binary array reads back as the text literal does',
    async (type, values) => {
      const rows = rowsOf(values);
      const binary = arrayBinary(rows, 'v', type);
      expect(binary).toBeInstanceOf(Buffer);
      expect(await readBack(binary!, type)).toEqual(
        await readBack(arrayLiteral(rows, 'v', type), type),
      );
    },
  );

  it.each(['timestamptz', 'uuid', 'int4', 'bool', 'text'])('%s: an empty array', async (type) => {
    const binary = arrayBinary([] as Row[], 'v', type);
    expect(binary).toBeInstanceOf(Buffer);
    expect(await readBack(binary!, type)).toEqual([]);
  });

  it('times: each element is the same instant as its text form', async () => {
    const values = cases[0]![1].filter((v): v is string => v !== null);
    const { rows } = await sql<{ same: boolean }>`
      select b = t::timestamptz as same
      from unnest(${arrayBinary(rowsOf(values), 'v', 'timestamptz')!}::timestamptz[], ${values}::text[]) u(b, t)
    `.execute(db);
    expect(rows.map((r) => r.same)).toEqual(values.map(() => true));
  });

  it('a value binary cannot carry exactly sends the column as text, read as before', async () => {
    const fallbacks: readonly (readonly [string, readonly unknown[]])[] = [
      ['timestamptz', ['2026-12-07T05:10:39.123Z', '2026-12-07T05:10:39.123456Z']],
      ['timestamptz', ['2026-12-07T06:10:39.123456+01:00', null]],
      ['timestamptz', ['2026-12-07T05:10:39Z']],
      ['uuid', ['0190a8b07c4e7a1b9c3d2e4f5a6b7c8d']],
      ['uuid', ['{0190a8b0-7c4e-7a1b-9c3d-2e4f5a6b7c8d}']],
      ['uuid', ['0190a8b0-7c4e-7a1b-9c3d-2e4f5a6b7c8g']],
      ['uuid', ['0190a8b0-7c4e-7a1b-9c3d-2e4f5a6b7c8\u00e9']],
      ['timestamptz', ['2026-1a-07T05:10:39.123Z']],
      ['int4', [2147483648]],
      ['int4', [1.5]],
      ['bool', ['t']],
    ];
    for (const [type, values] of fallbacks) {
      expect(arrayBinary(rowsOf(values), 'v', type)).toBeUndefined();
    }
    // Microseconds and the offset survive (the text path's reading).
    expect(
      await readBack(
        arrayLiteral(rowsOf(['2026-12-07T06:10:39.123456+01:00']), 'v', 'timestamptz'),
        'timestamptz',
      ),
    ).toEqual([
      (
        await sql<{
          v: string;
        }>`select '2026-12-07T05:10:39.123456Z'::timestamptz::text as v`.execute(db)
      ).rows[0]!.v,
    ]);
  });

  it('times Postgres refuses are not made acceptable by the binary form', () => {
    // Year 0 and 31 February: the text literal fails the chunk as it always did.
    for (const t of [
      '0000-06-01T00:00:00.000Z',
      '2026-02-31T00:00:00.000Z',
      '2026-01-01T24:00:00.000Z',
    ])
      expect(arrayBinary(rowsOf([t]), 'v', 'timestamptz')).toBeUndefined();
  });

  it('a status with awkward text and a non-canonical time is stored as sent', async () => {
    const store = new AuditStore(db);
    const job = auditJob(deterministicId('array-arguments', 'e1', 'r1'), 'ev-"q"\\1', {
      recipient: 'r-🔔-1',
      eventTime: '2027-03-04T10:11:12.345678+02:00',
      address: 'x@example.com',
      channel: 'email',
    });
    const message = `smtp "550" \\ rejected${NUL} – 受信拒否 👎`;
    const status = statusEventFor(
      job,
      'failed',
      'herald/test',
      new Date('2027-03-04T08:11:13.000Z'),
      {
        maxAttempts: 1,
        retryable: false,
        provider: { statusCode: 550, message },
      },
    );
    await store.write([status]);
    const { rows } = await sql<{
      event_id: string;
      recipient_ref: string;
      provider_message: string;
      event_time: string;
    }>`
      select event_id, recipient_ref, provider_message, to_char(event_time at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') as event_time
      from notifications where notification_id = ${status.data.notificationId}
    `.execute(db);
    expect(rows).toEqual([
      {
        event_id: 'ev-"q"\\1',
        recipient_ref: status.data.recipientRef,
        provider_message: message.replace(NUL, '\uFFFD'),
        // canonicalTime keeps milliseconds (toISOString), as before.
        event_time: '2027-03-04T08:11:12.345000',
      },
    ]);
  });
});
