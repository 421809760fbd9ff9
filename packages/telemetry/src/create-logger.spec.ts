import { PassThrough } from 'node:stream';
import { createLogger } from './create-logger.js';

function capture() {
  const stream = new PassThrough();
  const lines: Record<string, unknown>[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean))
      lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { stream, lines };
}

describe('createLogger', () => {
  it('writes JSON lines with the app, the message and structured fields', async () => {
    const { stream, lines } = capture();
    const log = createLogger({ app: 'router', level: 'info', destination: stream });
    log
      .child({ notificationId: 'n-1', tenantId: 'acme' })
      .info({ topic: 't', partition: 2 }, 'consumer started');
    log.debug({}, 'hidden below the level');
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      app: 'router',
      msg: 'consumer started',
      notificationId: 'n-1',
      tenantId: 'acme',
      topic: 't',
      partition: 2,
    });
    expect(typeof lines[0]!.time).toBe('string');
  });

  it('redacts secrets in fields and nested objects', async () => {
    const { stream, lines } = capture();
    const log = createLogger({ app: 'worker', level: 'info', destination: stream });
    log.info(
      {
        password: 'p',
        request: { headers: { authorization: 'Bearer abc' } },
        provider: { secret: 's', token: 't', apiKey: 'k' },
        note: 'kept',
      },
      'sending',
    );
    await new Promise((r) => setImmediate(r));
    const text = JSON.stringify(lines[0]);
    for (const secret of ['"p"', 'Bearer abc', '"s"', '"t"', '"k"'])
      expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ password: '[redacted]', note: 'kept' });
  });
});
