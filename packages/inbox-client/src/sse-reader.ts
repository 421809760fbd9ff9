/** One parsed Server-Sent Event. */
export interface SseEvent {
  readonly id?: string;
  readonly event: string;
  readonly data: string;
}

/**
 * Parses a `text/event-stream` body incrementally (the WHATWG rules we need: `id`,
 * `event`, multi-line `data`, comments, CRLF or LF). Used over `fetch` so a stream can
 * send `Authorization` and `Last-Event-ID` headers, which `EventSource` cannot, and
 * works the same in Node and browsers.
 */
export class SseParser {
  #buffer = '';
  #id: string | undefined;
  #event = '';
  #data: string[] = [];

  push(chunk: string, emit: (event: SseEvent) => void): void {
    this.#buffer += chunk;
    let nl: number;
    while ((nl = this.#buffer.search(/\r?\n/)) >= 0) {
      const line = this.#buffer.slice(0, nl);
      this.#buffer = this.#buffer.slice(this.#buffer[nl] === '\r' ? nl + 2 : nl + 1);
      if (line === '') {
        if (this.#data.length > 0) {
          emit({
            ...(this.#id === undefined ? {} : { id: this.#id }),
            event: this.#event || 'message',
            data: this.#data.join('\n'),
          });
        }
        this.#event = '';
        this.#data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'data') this.#data.push(value);
      else if (field === 'event') this.#event = value;
      else if (field === 'id') this.#id = value;
    }
  }
}
