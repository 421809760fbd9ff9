import type { Scalar } from 'yaml';

/**
 * Maps an offset inside a YAML scalar's *value* to an offset in the file, so a CEL
 * error points at the file's line and column, not the expression's.
 *
 * The value differs from the source by quotes, escapes, block-scalar headers and
 * indentation, and folded line breaks. Walking both in step handles all of them:
 * a non-blank value character is found at or after the source cursor; a blank one
 * consumes one blank, or a line break plus the indentation YAML stripped (exactly the
 * block indent for `|` scalars, whose extra indentation is part of the value).
 */
export function scalarSourceOffset(node: Scalar, source: string, valueOffset: number): number {
  const value = typeof node.value === 'string' ? node.value : String(node.value);
  const [nodeStart, nodeEnd] = node.range ?? [0, source.length];
  let p = nodeStart;
  let literalIndent: number | undefined;
  if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
    const nl = source.indexOf('\n', nodeStart);
    p = nl === -1 ? nodeEnd : nl + 1;
    literalIndent = blockIndent(source, p, nodeEnd);
    if (node.type === 'BLOCK_FOLDED') literalIndent = undefined;
    p = skipIndent(source, p, blockIndent(source, p, nodeEnd));
  } else if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') {
    p += 1;
  }
  const target = Math.min(valueOffset, value.length);
  for (let i = 0; i < target && p < nodeEnd; i++) {
    const c = value[i]!;
    if (isBlank(c)) {
      if (source[p] === '\n') {
        p += 1;
        p =
          literalIndent === undefined
            ? skipBlanks(source, p, nodeEnd)
            : skipIndent(source, p, literalIndent);
      } else if (isBlank(source[p]!)) {
        p += 1;
      } else if (source[p] === '\\') {
        p += 2; // an escape such as \n in a double-quoted scalar
      }
      continue;
    }
    const found = source.indexOf(c, p);
    if (found === -1 || found >= nodeEnd) break;
    p = found + 1;
  }
  // p is just past the character before the target; the target itself may sit after
  // blanks or a quote: move onto the next character that is the target's.
  const c = value[target];
  if (c !== undefined && !isBlank(c)) {
    const found = source.indexOf(c, p);
    if (found !== -1 && found < nodeEnd) return found;
  }
  return Math.min(p, Math.max(nodeStart, nodeEnd - 1));
}

function isBlank(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

function skipBlanks(source: string, p: number, end: number): number {
  while (p < end && isBlank(source[p]!)) p += 1;
  return p;
}

function skipIndent(source: string, p: number, indent: number): number {
  let n = 0;
  while (n < indent && source[p] === ' ') {
    p += 1;
    n += 1;
  }
  return p;
}

/** Indentation of the first non-empty line from `p`. */
function blockIndent(source: string, p: number, end: number): number {
  while (p < end) {
    let n = 0;
    while (source[p + n] === ' ') n += 1;
    if (source[p + n] !== '\n') return n;
    p += n + 1;
  }
  return 0;
}
