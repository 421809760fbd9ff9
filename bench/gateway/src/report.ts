/** One column's figures (main.ts measures them). */
export interface Result {
  connectSeconds: number;
  connected: number;
  rssPerConnKiB: number;
  heapPerConnKiB: number;
  throughput: number;
  offeredThroughput: number;
  p50at5k: number;
  p99at5k: number;
  /** The tail past p99: a stall that holds under 1 % of the phase's deliveries shows here. */
  p999at5k: number;
  maxAt5k: number;
  p99at10k: number;
  gaps: number;
  duplicates: number;
  storm?: {
    clients: number;
    seconds: number;
    missedPerClient: number;
    gaps: number;
    duplicates: number;
    complete: number;
  };
}

const f = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

/** The table: one column per gateway build measured, then the baseline. */
export function printReport(title: string, columns: { label: string; result: Result }[]): void {
  const row = (name: string, cells: string[]) =>
    `${name.padEnd(44)} ${cells.map((c) => c.padStart(14)).join(' ')}`;
  const each = (cell: (r: Result) => string) => columns.map(({ result }) => cell(result));
  console.log('');
  console.log(title);
  console.log(
    row(
      '',
      columns.map((c) => c.label),
    ),
  );
  console.log(
    row(
      'connections established',
      each((r) => f(r.connected)),
    ),
  );
  console.log(
    row(
      'connect all (s)',
      each((r) => f(r.connectSeconds, 1)),
    ),
  );
  console.log(
    row(
      'memory per idle connection, RSS (KiB)',
      each((r) => f(r.rssPerConnKiB, 1)),
    ),
  );
  console.log(
    row(
      'memory per idle connection, heap (KiB)',
      each((r) => f(r.heapPerConnKiB, 1)),
    ),
  );
  console.log(
    row(
      'deliveries/s (offered ~15k/s)',
      each((r) => f(r.throughput)),
    ),
  );
  console.log(
    row(
      '  offered (store rate × tabs achieved)',
      each((r) => f(r.offeredThroughput)),
    ),
  );
  console.log(
    row(
      'p99 store→client at 10k+/s offered (ms)',
      each((r) => f(r.p99at10k)),
    ),
  );
  console.log(
    row(
      'p50 store→client at 5,000/s (ms)',
      each((r) => f(r.p50at5k)),
    ),
  );
  console.log(
    row(
      'p99 store→client at 5,000/s (ms)',
      each((r) => f(r.p99at5k)),
    ),
  );
  console.log(
    row(
      'p99.9 / max store→client at 5,000/s (ms)',
      each((r) => `${f(r.p999at5k)} / ${f(r.maxAt5k)}`),
    ),
  );
  console.log(
    row(
      'gaps / duplicates (all streams)',
      each((r) => `${r.gaps} / ${r.duplicates}`),
    ),
  );
  if (columns.some((c) => c.result.storm !== undefined)) {
    const storm = (r: Result) => r.storm;
    const clients = columns.find((c) => c.result.storm)?.result.storm?.clients ?? 0;
    console.log(
      row(
        `reconnect storm: ${clients} resume at once (s)`,
        each((r) => (storm(r) ? f(storm(r)!.seconds, 1) : 'n/a')),
      ),
    );
    console.log(
      row(
        '  streams complete / gaps / duplicates',
        each((r) => {
          const s = storm(r);
          return s ? `${s.complete}/${s.clients} ${s.gaps}/${s.duplicates}` : 'n/a';
        }),
      ),
    );
  }
}
