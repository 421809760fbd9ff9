import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One arrival: when, and the event's produce time carried in the payload. */
export interface Arrival {
  readonly at: number;
  readonly sentAt: number;
  /** The webhook-id (Herald's notification id), or the body for the baseline. */
  readonly id: string;
}

/**
 * The webhook receiver both pipelines POST to. It records the arrival time of each
 * first delivery of a webhook-id (or of each body for the baseline, which has no
 * id) and counts duplicates; it answers 204 at once.
 */
export class BenchReceiver {
  readonly arrivals: Arrival[] = [];
  duplicates = 0;
  readonly #seen = new Set<string>();
  #server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const at = Date.now();
        const body = Buffer.concat(chunks).toString();
        const id = String(req.headers['webhook-id'] ?? body);
        if (this.#seen.has(id)) this.duplicates++;
        else {
          this.#seen.add(id);
          const sentAt = Number((JSON.parse(body) as { sentAt?: number }).sentAt ?? 0);
          this.arrivals.push({ at, sentAt, id });
        }
        res.writeHead(204).end();
      });
    });
    this.#server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  reset(): void {
    this.arrivals.length = 0;
    this.duplicates = 0;
    this.#seen.clear();
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }
}
