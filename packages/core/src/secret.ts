const REDACTED = '[redacted]';

/**
 * A credential that cannot leak by accident: it prints, serialises (pino, JSON) and
 * inspects as `[redacted]`. Only `reveal()` gives the value, at the one place that
 * hands it to an SDK or signs a request.
 *
 * @example
 * const token = new Secret('xoxb-…');
 * JSON.stringify({ token }); // '{"token":"[redacted]"}'
 * token.reveal(); // 'xoxb-…'
 */
export class Secret<T = string> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  reveal(): T {
    return this.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return REDACTED;
  }
}
