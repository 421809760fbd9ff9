import { escapeMarkdownV2, escapeSlack } from '../escape/escape-mode.js';
import { checkMarkdownV2 } from './markdown-v2-check.js';

describe('checkMarkdownV2', () => {
  test('well-formed MarkdownV2 passes and counts the visible text', () => {
    const text =
      '*Order* _shipped_ __now__ ~old~ ||secret||\n`a.b` [track](https://t.test/a?b=1) \\. done\\!';
    const result = checkMarkdownV2(text);
    expect(result.problems).toEqual([]);
    expect(result.visibleLength).toBe('Order shipped now old secret\na.b track . done!'.length);
  });

  test('reports an unescaped reserved character with line and column', () => {
    expect(checkMarkdownV2('Hello\nall done.').problems).toEqual([
      {
        line: 2,
        column: 9,
        message: 'unescaped ".": MarkdownV2 reserves it; write \\. in the template',
      },
    ]);
  });

  test('reports entities never closed and broken links', () => {
    const problems = checkMarkdownV2('*bold\n[link] `code').problems.map((p) => p.message);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('"]" must be followed by "("'),
        expect.stringContaining('` is never closed'),
        expect.stringContaining('"*" opens an entity that is never closed'),
      ]),
    );
  });

  test('anything escaped with escapeMarkdownV2 is valid and keeps its length', () => {
    const nasty = 'a_b*c[d]e(f)g~h`i>j#k+l-m=n|o{p}q.r!s\\t';
    const result = checkMarkdownV2(escapeMarkdownV2(nasty));
    expect(result.problems).toEqual([]);
    expect(result.visibleLength).toBe(nasty.length);
  });

  test('block quotes at line start are allowed', () => {
    expect(checkMarkdownV2('>quoted\nplain').problems).toEqual([]);
  });
});

describe('escapeSlack', () => {
  test('escapes only &, < and >', () => {
    expect(escapeSlack('<!here> & *bold* <https://x|y>')).toBe(
      '&lt;!here&gt; &amp; *bold* &lt;https://x|y&gt;',
    );
  });
});
