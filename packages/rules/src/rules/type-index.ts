interface Node {
  readonly op: string;
  readonly args: unknown;
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'op' in value && 'args' in value;
}

function isEventType(node: unknown): boolean {
  if (!isNode(node)) return false;
  const args = node.args as unknown[];
  const target = args[0];
  const field =
    node.op === '.'
      ? args[1]
      : node.op === '[]' && isNode(args[1]) && args[1].op === 'value'
        ? args[1].args
        : undefined;
  return field === 'type' && isNode(target) && target.op === 'id' && target.args === 'event';
}

function stringLiteral(node: unknown): string | undefined {
  return isNode(node) && node.op === 'value' && typeof node.args === 'string'
    ? node.args
    : undefined;
}

/**
 * The event types a condition can match, read from its tree, or undefined when the
 * condition does not pin them down. Sound by construction: only constraints every
 * match must satisfy are used (a conjunct of `&&`, or every branch of `||`):
 * `event.type == "a"`, `event.type in ["a", "b"]`, `event.type.startsWith("order.")`.
 *
 * @example
 * deriveTypes(ast('event.type == "order.shipped" && event.data.total > 100')) // ['order.shipped']
 */
export function deriveTypes(ast: unknown): string[] | undefined {
  if (!isNode(ast)) return undefined;
  const args = ast.args as unknown[];
  switch (ast.op) {
    case '&&': {
      const left = deriveTypes(args[0]);
      const right = deriveTypes(args[1]);
      if (left === undefined || right === undefined) return left ?? right;
      // Either side is sound; exact types index tighter than prefixes.
      return left.some((t) => t.endsWith('*')) && !right.some((t) => t.endsWith('*'))
        ? right
        : left;
    }
    case '||': {
      const left = deriveTypes(args[0]);
      const right = deriveTypes(args[1]);
      return left === undefined || right === undefined
        ? undefined
        : [...new Set([...left, ...right])];
    }
    case '==': {
      const [a, b] = args;
      const literal = isEventType(a)
        ? stringLiteral(b)
        : isEventType(b)
          ? stringLiteral(a)
          : undefined;
      return literal === undefined ? undefined : [literal];
    }
    case 'in': {
      const [a, b] = args;
      if (!isEventType(a) || !isNode(b) || b.op !== 'list') return undefined;
      const items = (b.args as unknown[]).map(stringLiteral);
      return items.every((s): s is string => s !== undefined) ? items : undefined;
    }
    case 'rcall': {
      const [name, receiver, callArgs] = args as [string, unknown, unknown[]];
      const prefix = callArgs.length === 1 ? stringLiteral(callArgs[0]) : undefined;
      return name === 'startsWith' && isEventType(receiver) && prefix !== undefined
        ? [`${prefix}*`]
        : undefined;
    }
    default:
      return undefined;
  }
}

function conjuncts(node: unknown): unknown[] {
  return isNode(node) && node.op === '&&' ? (node.args as unknown[]).flatMap(conjuncts) : [node];
}

/** True when every type the rule is indexed under satisfies `node`, a type test. */
function impliedByIndex(node: unknown, types: readonly string[]): boolean {
  const exact = types.every((t) => !t.endsWith('*'));
  const constraint = deriveTypes(node);
  if (constraint === undefined || !isNode(node) || types.length === 0) return false;
  if (node.op === 'rcall') {
    const prefix = constraint[0]!.slice(0, -1);
    return types.every((t) => (t.endsWith('*') ? t.slice(0, -1) : t).startsWith(prefix));
  }
  return (
    exact && (node.op === '==' || node.op === 'in') && types.every((t) => constraint.includes(t))
  );
}

/**
 * The condition without the `event.type` tests the index already guarantees, as CEL
 * text, or undefined when nothing can be dropped. Most rules start with
 * `event.type == "x" && ...`; once the index has picked the rule for type x, that
 * test is always true, and `true && rest` is exactly `rest` in CEL (errors
 * included), so matching evaluates `rest` alone.
 */
export function residualCondition(
  ast: unknown,
  source: string,
  types: readonly string[],
): string | undefined {
  const parts = conjuncts(ast);
  const kept = parts.filter((part) => !impliedByIndex(part, types));
  if (kept.length === parts.length) return undefined;
  if (kept.length === 0) return 'true';
  const texts = kept.map((part) => {
    const range = (part as { range?: { start: number; end: number } }).range;
    return range === undefined ? undefined : `(${source.slice(range.start, range.end)})`;
  });
  return texts.every((t) => t !== undefined) ? texts.join(' && ') : undefined;
}

/** `order.*` → `order.`; `*` → ``; exact types → undefined. */
function prefixOf(pattern: string): string | undefined {
  return pattern.endsWith('*') ? pattern.slice(0, -1) : undefined;
}

const CACHE_LIMIT = 10_000;

/**
 * Event type → the rules that can match it, in evaluation order. Exact types are
 * looked up directly; prefixes are checked once per new type and the answer cached
 * (bounded, since types come from producers).
 */
export class TypeIndex<T> {
  readonly #ordered: readonly T[];
  readonly #exact = new Map<string, T[]>();
  readonly #prefixed: { prefix: string; item: T; order: number }[] = [];
  readonly #cache = new Map<string, readonly T[]>();
  readonly #order = new Map<T, number>();

  /** `items` in evaluation order; `typesOf` gives each one's type patterns. */
  constructor(items: readonly T[], typesOf: (item: T) => readonly string[]) {
    this.#ordered = items;
    items.forEach((item, order) => {
      this.#order.set(item, order);
      for (const pattern of typesOf(item)) {
        const prefix = prefixOf(pattern);
        if (prefix === undefined) {
          const bucket = this.#exact.get(pattern) ?? [];
          if (bucket.at(-1) !== item) bucket.push(item);
          this.#exact.set(pattern, bucket);
        } else {
          this.#prefixed.push({ prefix, item, order });
        }
      }
    });
  }

  /** Rules that can match `type`, in evaluation order. */
  candidates(type: string): readonly T[] {
    const cached = this.#cache.get(type);
    if (cached !== undefined) return cached;
    const found = new Set<T>(this.#exact.get(type));
    for (const { prefix, item } of this.#prefixed) if (type.startsWith(prefix)) found.add(item);
    const list = [...found].sort((a, b) => this.#order.get(a)! - this.#order.get(b)!);
    if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
    this.#cache.set(type, list);
    return list;
  }

  get size(): number {
    return this.#ordered.length;
  }
}
