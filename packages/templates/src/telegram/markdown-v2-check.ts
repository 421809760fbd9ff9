/** A MarkdownV2 mistake Telegram would refuse with "can't parse entities". */
export interface MarkdownV2Problem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface MarkdownV2Check {
  /** Length after entity parsing, in UTF-16 code units, which Telegram limits to 4096. */
  readonly visibleLength: number;
  readonly problems: readonly MarkdownV2Problem[];
}

const MUST_ESCAPE = new Set(['#', '+', '-', '=', '{', '}', '.', '!', '(', ')', ']', '|', '>']);

/**
 * Checks rendered MarkdownV2 the way Telegram parses it (Bot API, "MarkdownV2 style"):
 * reserved characters outside entities must be backslash-escaped, entities must be
 * closed, and a link is `[text](url)`. Values interpolated with `{{ }}` are already
 * escaped by the renderer, so what this finds is literal template text such as a
 * plain `.` at the end of a sentence, which the author must write as `\.`.
 *
 * @example
 * checkMarkdownV2('Done.').problems[0]?.message; // 'unescaped "." ...'
 */
export function checkMarkdownV2(text: string): MarkdownV2Check {
  const problems: MarkdownV2Problem[] = [];
  let visible = 0;
  let line = 1;
  let lineStart = 0;
  const open = new Map<string, { line: number; column: number }>();
  let linkOpen: { line: number; column: number } | undefined;
  const at = (i: number) => ({ line, column: i - lineStart + 1 });
  const toggle = (marker: string, i: number): void => {
    if (open.has(marker)) open.delete(marker);
    else open.set(marker, at(i));
  };

  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n') {
      line++;
      lineStart = i + 1;
      visible++;
      continue;
    }
    if (ch === '\\') {
      i++;
      visible++;
      continue;
    }
    if (ch === '`') {
      const fence = text.startsWith('```', i) ? '```' : '`';
      const start = at(i);
      let j = i + fence.length;
      for (; j < text.length; j++) {
        if (text[j] === '\\') {
          j++;
          visible++;
          continue;
        }
        if (text.startsWith(fence, j)) break;
        if (text[j] === '\n') {
          line++;
          lineStart = j + 1;
        }
        visible++;
      }
      if (j >= text.length)
        problems.push({
          ...start,
          message: `${fence} is never closed; close it or write \\\` for a literal backtick`,
        });
      i = j + fence.length - 1;
      continue;
    }
    if (ch === '*' || ch === '~') {
      toggle(ch, i);
      continue;
    }
    if (ch === '_') {
      const marker = text[i + 1] === '_' ? '__' : '_';
      toggle(marker, i);
      i += marker.length - 1;
      continue;
    }
    if (ch === '|' && text[i + 1] === '|') {
      toggle('||', i);
      i++;
      continue;
    }
    if (ch === '>' && i === lineStart) continue; // block quote
    if (ch === '!' && text[i + 1] === '[') continue; // custom emoji ![👍](tg://emoji?id=…)
    if (ch === '[') {
      if (linkOpen) problems.push({ ...at(i), message: 'a link cannot contain "["; write \\[' });
      linkOpen = at(i);
      continue;
    }
    if (ch === ']' && linkOpen) {
      linkOpen = undefined;
      if (text[i + 1] !== '(') {
        problems.push({
          ...at(i),
          message:
            'a link is [text](url): "]" must be followed by "("; write \\] for a literal bracket',
        });
        continue;
      }
      let j = i + 2;
      for (; j < text.length && text[j] !== ')'; j++) if (text[j] === '\\') j++;
      if (j >= text.length)
        problems.push({ ...at(i + 1), message: 'the link URL is never closed with ")"' });
      i = j;
      continue;
    }
    if (MUST_ESCAPE.has(ch)) {
      problems.push({
        ...at(i),
        message: `unescaped "${ch}": MarkdownV2 reserves it; write \\${ch} in the template`,
      });
    }
    visible++;
  }
  for (const [marker, position] of open) {
    problems.push({
      ...position,
      message: `"${marker}" opens an entity that is never closed; close it or write ${marker.replace(/./g, '\\$&')} for the literal`,
    });
  }
  if (linkOpen)
    problems.push({
      ...linkOpen,
      message: '"[" starts a link that is never completed; write \\[ for a literal bracket',
    });
  return { visibleLength: visible, problems };
}
