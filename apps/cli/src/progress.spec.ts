import { PassThrough } from 'node:stream';
import { createProgress } from './progress.js';

function stream(isTTY: boolean) {
  const s = Object.assign(new PassThrough(), { isTTY });
  let text = '';
  s.on('data', (d: Buffer) => (text += d.toString()));
  return { s, text: () => text };
}

describe('createProgress', () => {
  it('draws a counter and bar on a terminal, at most every 100 ms, and clears it', () => {
    const t = stream(true);
    let now = 0;
    const p = createProgress('reading', { stream: t.s, now: () => now });
    p.update(1, 4);
    now = 50;
    p.update(2, 4); // too soon: skipped
    now = 200;
    p.update(3, 4);
    now = 210;
    p.update(4, 4); // the last one always draws
    p.end();
    expect(t.text()).toBe(
      '\rreading [#####...............] 1/4\x1b[K' +
        '\rreading [###############.....] 3/4\x1b[K' +
        '\rreading [####################] 4/4\x1b[K' +
        '\r\x1b[K',
    );
  });

  it('says nothing when not a terminal or with --quiet', () => {
    const piped = stream(false);
    const quiet = stream(true);
    for (const p of [
      createProgress('x', { stream: piped.s }),
      createProgress('x', { stream: quiet.s, quiet: true }),
    ]) {
      p.busy();
      p.update(1, 2);
      p.end();
    }
    expect(piped.text()).toBe('');
    expect(quiet.text()).toBe('');
  });
});
