import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { FakeServer, RecordedRequest, Scenario } from './fake-http-server.js';

/**
 * A real SMTP server (`smtp-server`) with AUTH PLAIN/LOGIN and a SIZE limit.
 * Scenarios: permanent → 550 at RCPT, transient → 451 at DATA, rate-limited → 421
 * at RCPT (SMTP has no Retry-After), hang → DATA never answered.
 * Each accepted message is recorded with its raw text as `body`.
 */
export async function startSmtpServer(
  user: string,
  pass: string,
  maxSize = 64 * 1024,
): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  let current: Scenario = 'ok';
  const server = new SMTPServer({
    authOptional: false,
    disabledCommands: ['STARTTLS'],
    size: maxSize,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === pass) return callback(null, { user });
      callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, callback) {
      if (current === 'permanent')
        return callback(
          Object.assign(new Error(`5.1.1 <${address.address}>: mailbox unavailable`), {
            responseCode: 550,
          }),
        );
      if (current === 'rate-limited')
        return callback(
          Object.assign(new Error('4.7.0 rate limit exceeded, try again later'), {
            responseCode: 421,
          }),
        );
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (current === 'hang') return;
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
          return callback(
            Object.assign(new Error('5.3.4 Message exceeds fixed maximum message size'), {
              responseCode: 552,
            }),
          );
        }
        if (current === 'transient')
          return callback(
            Object.assign(new Error('4.3.0 temporary failure, try again'), { responseCode: 451 }),
          );
        const raw = Buffer.concat(chunks).toString('utf8');
        requests.push({
          method: 'DATA',
          path: session.envelope.rcptTo.map((r) => r.address).join(','),
          headers: {},
          body: raw,
          remotePort: session.remotePort,
        });
        callback(null, 'Message queued as 4Xy1');
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = (server as unknown as { server: { address(): AddressInfo } }).server.address();
  return {
    url: `smtp://127.0.0.1:${port}`,
    requests,
    scenario: (s) => {
      current = s;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
