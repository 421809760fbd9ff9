// What the soak shows people: a text sparkline per process and metric, a table, and an
// SVG chart (one panel per metric, one line per process) to open in a browser.

const MiB = 1024 * 1024;
const BARS = '▁▂▃▄▅▆▇█';

export const metricLabels = {
  rssAnonBytes: 'RSS anon (MiB)',
  heapUsedBytes: 'heap used (MiB)',
  fds: 'open fds',
  handles: 'active handles',
  eventLoopDelayMs: 'event-loop delay p99 (ms)',
};

/** A value as the table and chart print it: bytes in MiB, the rest as they are. */
export function shown(metric, value) {
  if (!Number.isFinite(value)) return '-';
  if (metric.endsWith('Bytes')) return (value / MiB).toFixed(1);
  return metric === 'eventLoopDelayMs' ? value.toFixed(1) : String(Math.round(value));
}

/** The values squeezed into `width` bars (each bar the mean of its slice), low to high. */
export function sparkline(values, width = 40) {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return '';
  const buckets = [];
  const n = Math.min(width, finite.length);
  for (let i = 0; i < n; i++) {
    const slice = finite.slice(
      Math.floor((i * finite.length) / n),
      Math.floor(((i + 1) * finite.length) / n),
    );
    buckets.push(slice.reduce((a, b) => a + b, 0) / slice.length);
  }
  const lo = Math.min(...buckets);
  const hi = Math.max(...buckets);
  return buckets
    .map((v) => BARS[hi === lo ? 0 : Math.round(((v - lo) / (hi - lo)) * (BARS.length - 1))])
    .join('');
}

/**
 * Per process and metric: first and last value, min, max and the sparkline.
 * @param {Record<string, Record<string, Array<{t:number, v:number}>>>} series
 */
export function summaryTable(series) {
  const rows = [['process', 'metric', 'first', 'last', 'min', 'max', 'over time']];
  for (const [process, metrics] of Object.entries(series))
    for (const [metric, points] of Object.entries(metrics)) {
      const values = points.map((p) => p.v).filter(Number.isFinite);
      rows.push([
        process,
        metricLabels[metric] ?? metric,
        shown(metric, values[0]),
        shown(metric, values[values.length - 1]),
        shown(metric, Math.min(...values)),
        shown(metric, Math.max(...values)),
        sparkline(values),
      ]);
    }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => [...r[c]].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#17becf'];
const escape = (s) => String(s).replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * An SVG file: one panel per metric (time on x in minutes, value on y), one polyline
 * per process, a legend, and `title` on top.
 */
export function svgChart(series, title) {
  const processes = Object.keys(series);
  const metrics = Object.keys(metricLabels);
  const W = 900;
  const H = 180;
  const pad = { l: 60, r: 20, t: 24, b: 28 };
  const top = 60;
  let maxT = 1;
  for (const p of processes)
    for (const m of metrics) for (const s of series[p][m] ?? []) maxT = Math.max(maxT, s.t);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${top + metrics.length * (H + 10)}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${pad.l}" y="20" font-size="15">${escape(title)}</text>`,
    ...processes.map(
      (p, i) =>
        `<text x="${pad.l + i * 140}" y="44" fill="${COLOURS[i % COLOURS.length]}">■ ${escape(p)}</text>`,
    ),
  ];
  metrics.forEach((m, k) => {
    const y0 = top + k * (H + 10);
    const values = processes.flatMap((p) => (series[p][m] ?? []).map((s) => s.v));
    const finite = values.filter(Number.isFinite);
    const hi = finite.length ? Math.max(...finite) * 1.05 || 1 : 1;
    const x = (t) => pad.l + (t / maxT) * (W - pad.l - pad.r);
    const y = (v) => y0 + H - pad.b - (v / hi) * (H - pad.t - pad.b);
    parts.push(
      `<text x="${pad.l}" y="${y0 + 16}">${escape(metricLabels[m])}</text>`,
      `<line x1="${pad.l}" y1="${y(0)}" x2="${W - pad.r}" y2="${y(0)}" stroke="#999"/>`,
      `<line x1="${pad.l}" y1="${y(0)}" x2="${pad.l}" y2="${y(hi)}" stroke="#999"/>`,
      `<text x="${pad.l - 6}" y="${y(hi) + 4}" text-anchor="end">${shown(m, hi)}</text>`,
      `<text x="${pad.l - 6}" y="${y(0) + 4}" text-anchor="end">0</text>`,
      `<text x="${W - pad.r}" y="${y(0) + 16}" text-anchor="end">${(maxT / 60_000).toFixed(1)} min</text>`,
    );
    processes.forEach((p, i) => {
      const pts = (series[p][m] ?? [])
        .filter((s) => Number.isFinite(s.v))
        .map((s) => `${x(s.t).toFixed(1)},${y(s.v).toFixed(1)}`);
      if (pts.length > 0)
        parts.push(
          `<polyline fill="none" stroke="${COLOURS[i % COLOURS.length]}" stroke-width="1.5" points="${pts.join(' ')}"/>`,
        );
    });
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
