// The soak's plumbing: free ports, waiting for /readyz, and a live SSE client of the
// gateway that resumes with Last-Event-ID when its stream ends.
/* global fetch, TextDecoder */
import { createServer } from 'node:net';

/** `n` ports free right now on 127.0.0.1 (the kernel's picks, released before use). */
export async function freePorts(n) {
  const servers = [];
  for (let i = 0; i < n; i++) {
    const s = createServer();
    await new Promise((r) => s.listen(0, '127.0.0.1', r));
    servers.push(s);
  }
  const ports = servers.map((s) => s.address().port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** Resolves once every process's /readyz answers 200; throws with the last answers after `timeoutMs`. */
export async function waitReady(procs, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  const last = {};
  for (;;) {
    const ready = await Promise.all(
      Object.entries(procs).map(async ([name, { opsUrl }]) => {
        try {
          const res = await fetch(`${opsUrl}/readyz`, { signal: AbortSignal.timeout(3000) });
          last[name] = `${res.status} ${(await res.text()).trim()}`;
          return res.status === 200;
        } catch (err) {
          last[name] = err.message;
          return false;
        }
      }),
    );
    if (ready.every(Boolean)) return;
    if (Date.now() > deadline)
      throw new Error(`not ready after ${timeoutMs} ms: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * Reads `url` as Server-Sent Events with a bearer token and calls `onFrame` with each
 * frame's JSON; reconnects after a second (sending the last `id:` as Last-Event-ID) until
 * `close()`.
 */
export function openSseClient(url, token, onFrame) {
  const abort = new AbortController();
  let lastId;
  const run = async () => {
    while (!abort.signal.aborted) {
      try {
        const res = await fetch(url, {
          headers: {
            authorization: `Bearer ${token}`,
            accept: 'text/event-stream',
            ...(lastId === undefined ? {} : { 'last-event-id': lastId }),
          },
          signal: abort.signal,
        });
        const decoder = new TextDecoder();
        let buffer = '';
        for await (const chunk of res.body) {
          buffer += decoder.decode(chunk, { stream: true });
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let data;
            for (const line of block.split('\n')) {
              if (line.startsWith('id: ')) lastId = line.slice(4);
              else if (line.startsWith('data: ')) data = line.slice(6);
            }
            if (data !== undefined) onFrame(JSON.parse(data));
          }
        }
      } catch {
        // the stream ended or failed: resume below
      }
      if (!abort.signal.aborted) await new Promise((r) => setTimeout(r, 1000));
    }
  };
  void run();
  return { close: () => abort.abort() };
}
