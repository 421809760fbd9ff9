import type { Document } from 'yaml';

/** A position in a file; line and column count from 1. */
export interface FilePosition {
  readonly line: number;
  readonly column: number;
}

interface ScalarNode {
  readonly type?: string;
  readonly range?: readonly [number, number, number];
}

/** `blocks[2].text.text` → ['blocks', 2, 'text', 'text']. */
function partPath(part: string): (string | number)[] {
  return part
    .split(/\.|\[(\d+)\]/)
    .filter((s): s is string => s !== undefined && s !== '')
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/**
 * Turns a problem's position inside a template part (what Handlebars reports: line and
 * column in the part's text) into a position in the templates file, from the YAML node
 * the part was read from. Block scalars (`|`, `>`) start on the line after their
 * header, indented; quoted and plain scalars start where they stand. Folded text and
 * escapes can shift a column; the line stays right.
 */
export function locateInFile(
  doc: Document,
  text: string,
  templateIndex: number,
  part: string | undefined,
  line: number | undefined,
  column: number | undefined,
): FilePosition | undefined {
  const base = ['templates', templateIndex, 'parts'];
  const path = part === undefined ? [] : partPath(part);
  // A leaf the path does not reach (a computed part): fall back to the nearest node.
  let node: ScalarNode | undefined;
  for (let n = path.length; n >= 0 && node?.range === undefined; n--)
    node = doc.getIn([...base, ...path.slice(0, n)], true) as ScalarNode | undefined;
  const offset = node?.range?.[0];
  if (offset === undefined) return undefined;
  const before = text.slice(0, offset).split('\n');
  const startLine = before.length;
  const startColumn = before[before.length - 1]!.length + 1;
  const partLine = line ?? 1;
  const partColumn = column ?? 1;
  if (node!.type === 'BLOCK_LITERAL' || node!.type === 'BLOCK_FOLDED') {
    const lines = text.split('\n');
    // The content's indentation is that of its first non-blank line.
    const first = lines.slice(startLine).find((l) => l.trim() !== '') ?? '';
    const indent = first.length - first.trimStart().length;
    return { line: startLine + partLine, column: indent + partColumn };
  }
  const quote = node!.type === 'QUOTE_DOUBLE' || node!.type === 'QUOTE_SINGLE' ? 1 : 0;
  return {
    line: startLine + partLine - 1,
    column: partLine === 1 ? startColumn + quote + partColumn - 1 : partColumn,
  };
}
