import { parseTtl } from './tokens-command.js';
import { WatchView, watchLine } from './watch-render.js';

const base = { id: 'n1', seq: 1, title: 'Export', body: 'rows 4000/10000' };

describe('herald watch rendering', () => {
  it('draws a progress bar for a task update and a check mark when it completes', () => {
    expect(watchLine({ ...base, collapseKey: 't7', data: { percent: 40 } })).toBe(
      `  ${'Export'.padEnd(30)} [########............]  40%  rows 4000/10000`,
    );
    expect(watchLine({ ...base, collapseKey: 't7', data: { percent: 100 } })).toMatch(
      /^✔ Export.*\[#{20}\] 100%/,
    );
    expect(watchLine({ ...base, data: { percent: 'x' } })).toBe('• Export - rows 4000/10000');
  });

  it('redraws task lines in place on a terminal and prints each update as a line elsewhere', () => {
    let text = '';
    const out = { write: (s: string) => ((text += s), true) } as unknown as NodeJS.WritableStream;
    const tty = new WatchView(out, true);
    tty.show({ ...base, collapseKey: 't7', data: { percent: 10 } });
    tty.show({ ...base, collapseKey: 't7', data: { percent: 20 } });
    expect(text).toContain('\x1b[1F\x1b[J');
    text = '';
    const pipe = new WatchView(out, false);
    pipe.show({ ...base, collapseKey: 't7', data: { percent: 10 } });
    pipe.show({ ...base, collapseKey: 't7', data: { percent: 20 } });
    expect(text.split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('parses token lifetimes', () => {
    expect(parseTtl('1h')).toBe(3600);
    expect(parseTtl('900')).toBe(900);
    expect(parseTtl('2d')).toBe(172_800);
    expect(() => parseTtl('soon')).toThrow(/--ttl/);
  });
});
