/**
 * The chaos suite's duplicate ledger on synthetic runs (no services): a repeat is an
 * ambiguous retry only when the request accepted before it got no answer the worker saw,
 * paired by request (the second the worker signed it in vs. the start of an attempt it
 * reported unanswered: the outcome's `attemptStartedAt`, or a legacy `sending` record),
 * whatever the order the receiver and the status stream saw them in, or a send on the
 * connection of a worker SIGKILLed right after it; anything else stays a raw duplicate
 * send. Both shapes of the status stream, and a mix of them, are judged alike.
 */
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import {
  answeredOn,
  createDuplicateLedger,
  requestOn,
  watchDroppedAnswers,
  type AcceptedRequest,
} from '../chaos/duplicates.mjs';
import { tcpPortsOf } from '../chaos/proc-ports.mjs';

const TIMEOUT = 1500;
const T0 = 1_800_000_000_000; // a whole second: signed seconds are T0 / 1000 + n
const sec = (ms: number) => Math.floor((T0 + ms) / 1000);
const iso = (ms: number) => new Date(T0 + ms).toISOString();
const status = (id: string, state: string, attempt: number, ms: number, reason?: string) => ({
  subject: id,
  data: { state, attempt, occurredAt: iso(ms), ...(reason === undefined ? {} : { reason }) },
});

/**
 * The statuses of one attempt that began at `startMs` and ended in `outcome` at `endMs`,
 * as a worker publishes them: `legacy` (an older worker: `sending`, then the outcome
 * without the attempt's start), `outcome` (the default: the outcome alone, with
 * `attemptStartedAt`) or `both` (HERALD_WORKER_SENDING_STATUS=true).
 */
type Shape = 'legacy' | 'outcome' | 'both';
const shapes: readonly Shape[] = ['legacy', 'outcome', 'both'];
function attemptStatuses(
  shape: Shape,
  id: string,
  attempt: number,
  startMs: number,
  outcome: string,
  endMs: number,
  reason?: string,
) {
  const end = status(id, outcome, attempt, endMs, reason);
  const withStart = { ...end, data: { ...end.data, attemptStartedAt: iso(startMs) } };
  if (shape === 'legacy') return [status(id, 'sending', attempt, startMs), end];
  if (shape === 'outcome') return [withStart];
  return [status(id, 'sending', attempt, startMs), withStart];
}

describe.each(shapes)('with statuses of the %s shape', (shape) => {
  it('pairs a timed-out attempt with the request the starved receiver served late', () => {
    const ledger = createDuplicateLedger({ timeoutMs: TIMEOUT });
    for (const s of attemptStatuses(
      shape,
      'm1',
      1,
      700,
      'retrying',
      2_200,
      'no response within 1500 ms',
    ))
      ledger.status(s);
    ledger.accepted('m1', T0 + 2_300, sec(700)).answered(T0 + 2_301);
    expect(ledger.accepted('m1', T0 + 3_010, sec(3_000)).duplicate).toBe(true);
    for (const s of attemptStatuses(shape, 'm1', 2, 3_000, 'sent', 3_020)) ledger.status(s);
    expect(ledger.classify()).toMatchObject({
      ambiguous: 1,
      avoidable: 0,
      ambiguousBy: { paired: 1 },
    });
  });

  it('pairs an unanswered send of a record handled again with the same attempt number', () => {
    const ledger = createDuplicateLedger({ timeoutMs: TIMEOUT });
    for (const s of attemptStatuses(
      shape,
      'm2',
      1,
      200,
      'retrying',
      1_900,
      'no response within 1500 ms',
    ))
      ledger.status(s);
    ledger.accepted('m2', T0 + 2_100, sec(200)).answered(T0 + 2_101);
    ledger.accepted('m2', T0 + 39_010, sec(39_000)).answered(T0 + 39_011);
    for (const s of attemptStatuses(shape, 'm2', 1, 39_000, 'sent', 39_020)) ledger.status(s);
    expect(ledger.classify()).toMatchObject({ ambiguous: 1, avoidable: 0 });
  });

  it('does not excuse a repeat of an answered send with an earlier attempt that timed out', () => {
    const ledger = createDuplicateLedger({ timeoutMs: TIMEOUT });
    for (const s of attemptStatuses(shape, 'm3', 1, 100, 'sent', 125)) ledger.status(s);
    ledger.accepted('m3', T0 + 120, sec(100)).answered(T0 + 121);
    ledger.accepted('m3', T0 + 61_010, sec(61_000)).answered(T0 + 61_011);
    expect(ledger.classify()).toMatchObject({ ambiguous: 0, avoidable: 1 });
  });
});

it('a timeout the starved receiver served late is ambiguous, though its status came first', () => {
  const ledger = createDuplicateLedger({ timeoutMs: TIMEOUT });
  // Attempt 1 sent at 700 ms; the worker gives up at 2,200 ms and says so ...
  ledger.status(status('n1', 'sending', 1, 700));
  ledger.status(status('n1', 'retrying', 1, 2_200, 'no response within 1500 ms'));
  // ... and only then the receiver reads that request (signed in second 0) and accepts
  // it, answering before the second's end + the timeout: only the pairing can tell.
  const first = ledger.accepted('n1', T0 + 2_300, sec(700));
  first.answered(T0 + 2_301);
  // Attempt 2, sent at 3,000 ms, is accepted again.
  ledger.status(status('n1', 'sending', 2, 3_000));
  expect(ledger.accepted('n1', T0 + 3_010, sec(3_000)).duplicate).toBe(true);
  expect(ledger.classify()).toMatchObject({
    ambiguous: 1,
    avoidable: 0,
    ambiguousBy: { paired: 1, late: 0 },
  });
});

it('an answer written past the timeout after the signed second is ambiguous with no status at all', () => {
  // The attempt's chunk failed: neither `sending` nor `retrying` was ever published.
  const ledger = createDuplicateLedger({ timeoutMs: TIMEOUT });
  const first = ledger.accepted('n2', T0 + 3_400, sec(300));
  // Second 0 ends at 1,000 ms; + the 1,500 ms timeout + 1,000 ms of undici's timer
  // resolution = 3,500 ms: the worker had given up by then.
  first.answered(T0 + 3_600);
  ledger.accepted('n2', T0 + 5_000, sec(4_000));
  expect(ledger.classify()).toMatchObject({ ambiguous: 1, avoidable: 0, ambiguousBy: { late: 1 } });
});

it('an answer the worker may still have been waiting for is not counted late', () => {
  const ledger = createDuplicateLedger({ timeoutMs: TIMEOUT });
  ledger.accepted('n6', T0 + 2_400, sec(300)).answered(T0 + 2_600);
  ledger.accepted('n6', T0 + 5_000, sec(4_000));
  expect(ledger.classify()).toMatchObject({ ambiguous: 0, avoidable: 1 });
});

it('an answer in time, repeated later, is a raw duplicate send labelled by the fault between', () => {
  const ledger = createDuplicateLedger({ timeoutMs: TIMEOUT });
  ledger.status(status('n3', 'sending', 1, 100));
  ledger.accepted('n3', T0 + 120, sec(100)).answered(T0 + 121);
  ledger.status(status('n3', 'sent', 1, 125));
  ledger.fault('SIGKILL workerA', T0 + 500);
  // An unrelated attempt that timed out long before does not excuse it either.
  ledger.status(status('n3', 'sending', 2, 61_000));
  ledger.accepted('n3', T0 + 61_010, sec(61_000)).answered(T0 + 61_011);
  const result = ledger.classify();
  expect(result).toMatchObject({ ambiguous: 0, avoidable: 1 });
  expect(result.causes).toEqual({ 'after SIGKILL workerA, <70s later': 1 });
  expect(result.samples[0]).toMatchObject({ id: 'n3', previousSentSec: sec(100) });
});

it('one unanswered attempt explains one repeat, not two', () => {
  const ledger = createDuplicateLedger({ timeoutMs: TIMEOUT });
  ledger.status(status('n4', 'sending', 1, 0));
  ledger.status(status('n4', 'retrying', 1, 1_500, 'no response within 1500 ms'));
  ledger.accepted('n4', T0 + 1_400, sec(0)).answered(T0 + 1_401);
  ledger.accepted('n4', T0 + 2_000, sec(1_900)).answered(T0 + 2_001);
  ledger.accepted('n4', T0 + 9_000, sec(9_000)).answered(T0 + 9_001);
  expect(ledger.classify()).toMatchObject({ ambiguous: 1, avoidable: 1 });
});

it('an answer onto a connection the worker closed is ambiguous', () => {
  const ledger = createDuplicateLedger({ timeoutMs: TIMEOUT });
  ledger.accepted('n5', T0 + 100, sec(100)).unanswer();
  ledger.accepted('n5', T0 + 2_000, sec(2_000));
  expect(ledger.classify()).toMatchObject({ ambiguous: 1, avoidable: 0 });
});

it('a send on the connection of a worker SIGKILLed right after is ambiguous (killed in flight)', () => {
  const ledger = createDuplicateLedger({ timeoutMs: TIMEOUT });
  ledger.accepted('k1', T0 + 10_000, sec(10_000), 50_001).answered(T0 + 10_001);
  ledger.accepted('k2', T0 + 10_000, sec(10_000), 50_002).answered(T0 + 10_001);
  ledger.accepted('k3', T0 + 2_000, sec(2_000), 50_001).answered(T0 + 2_001);
  ledger.killed(T0 + 10_200, [50_001]);
  // A lease later, another worker sends all three again.
  for (const id of ['k1', 'k2', 'k3']) ledger.accepted(id, T0 + 70_500, sec(70_500), 50_100);
  const result = ledger.classify();
  // k2 came from the other worker's connection, k3 long before the kill: raw.
  expect(result).toMatchObject({ ambiguous: 1, avoidable: 2, ambiguousBy: { killed: 1 } });
});

it('finds the local ports of a process’ TCP connections', async () => {
  const server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => client.once('connect', resolve));
  try {
    expect(tcpPortsOf(process.pid).has(client.localPort!)).toBe(true);
    expect(tcpPortsOf(2 ** 22 + 1).size).toBe(0); // no such process
  } finally {
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

it('pairs an unanswered send although its record was handled again with the same attempt', () => {
  // Attempt 1 timed out; after a rebalance the record (still attempt 1) is sent again.
  const ledger = createDuplicateLedger({ timeoutMs: TIMEOUT });
  ledger.status(status('r1', 'sending', 1, 200));
  ledger.status(status('r1', 'retrying', 1, 1_900, 'no response within 1500 ms'));
  ledger.accepted('r1', T0 + 2_100, sec(200)).answered(T0 + 2_101);
  ledger.status(status('r1', 'sending', 1, 39_000));
  ledger.accepted('r1', T0 + 39_010, sec(39_000)).answered(T0 + 39_011);
  ledger.status(status('r1', 'sent', 1, 39_020));
  expect(ledger.classify()).toMatchObject({
    ambiguous: 1,
    avoidable: 0,
    ambiguousBy: { paired: 1 },
  });
});

it('a request the receiver read just after the kill, on the killed worker’s connection, was in flight', () => {
  const ledger = createDuplicateLedger({ timeoutMs: TIMEOUT });
  ledger.killed(T0 + 32_500, [50_001]);
  ledger.accepted('k4', T0 + 32_743, sec(31_900), 50_001).answered(T0 + 32_744);
  // Past the grace the port may be someone else's: not judged in flight.
  ledger.accepted('k5', T0 + 34_000, sec(33_900), 50_001).answered(T0 + 34_001);
  ledger.accepted('k4', T0 + 94_000, sec(94_000), 50_200);
  ledger.accepted('k5', T0 + 94_000, sec(94_000), 50_200);
  expect(ledger.classify()).toMatchObject({
    ambiguous: 1,
    avoidable: 1,
    ambiguousBy: { killed: 1 },
  });
});

describe('a worker that gave up on a request the stalled receiver answered', () => {
  /**
   * A worker in a process of its own (a client that destroys its connection on timeout,
   * as undici does on `headersTimeout`) and a receiver that accepts after `stallMs` of
   * busy CPU, as a starved chaos process does. Returns what the client saw.
   */
  async function run(stallMs: number) {
    const ledger = createDuplicateLedger({ timeoutMs: TIMEOUT });
    const requests: AcceptedRequest[] = [];
    const server = createHttpServer((req, res) => {
      requestOn(req.socket);
      req.resume();
      req.on('end', () => {
        const until = Date.now() + stallMs;
        while (Date.now() < until); // the event loop stalls: the worker's FIN waits behind it
        const request = ledger.accepted('s1', Date.now(), Math.floor(Date.now() / 1000));
        requests.push(request);
        answeredOn(req.socket, request, Date.now());
        res.writeHead(204).end();
      });
    });
    watchDroppedAnswers(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    // Keep-alive, like the workers; the connection stays open 1.5 s after an answer.
    const client = `
      const http = require('node:http');
      const agent = new http.Agent({ keepAlive: true });
      const req = http.request({ port: ${port}, host: '127.0.0.1', method: 'POST', agent }, (res) => {
        res.resume();
        console.log(res.statusCode);
        setTimeout(() => agent.destroy(), 1500);
      });
      req.setTimeout(300, () => { console.log('timeout'); req.destroy(); });
      req.on('error', () => {});
      req.end('{}');`;
    const child = spawn(process.execPath, ['-e', client], { stdio: ['ignore', 'pipe', 'inherit'] });
    let outcome = '';
    child.stdout.on('data', (chunk: Buffer) => (outcome += chunk.toString()));
    await new Promise((resolve) => child.once('exit', resolve));
    await new Promise((resolve) => setTimeout(resolve, 100)); // the last FIN reaches the receiver
    await new Promise((resolve) => server.close(resolve));
    return { outcome: outcome.trim(), request: requests[0]! };
  }

  it('counts the answer dropped when the worker closed the connection on its timeout', async () => {
    const { outcome, request: r } = await run(1_500);
    expect(outcome).toBe('timeout');
    expect(r).toMatchObject({ unanswered: true, why: 'dropped' });
  });

  it('does not when the worker took the answer and kept the connection', async () => {
    const { outcome, request: r } = await run(0);
    expect(outcome).toBe('204');
    expect(r.unanswered).toBe(false);
  });
});
