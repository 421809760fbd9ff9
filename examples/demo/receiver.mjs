// A local webhook receiver: verifies each Standard Webhooks signature and prints
// the delivery as it arrives. Usage: node receiver.mjs <port> <whsec_secret>
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const [port, secret] = process.argv.slice(2);
const verifier = new Webhook(secret);
const seen = new Set();

createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const id = req.headers['webhook-id'];
    let verdict = 'signature ok';
    let payload;
    try {
      payload = verifier.verify(body, req.headers);
    } catch (err) {
      verdict = `SIGNATURE INVALID (${err.message})`;
    }
    const duplicate = seen.has(id) ? ' (duplicate webhook-id, ignored)' : '';
    seen.add(id);
    const summary = payload ? JSON.stringify(payload) : body.slice(0, 120);
    console.log(
      `[receiver] ${new Date().toISOString().slice(11, 23)} ${req.url} webhook-id=${id} ${verdict}${duplicate} ${summary}`,
    );
    res.writeHead(payload ? 204 : 401).end();
  });
}).listen(Number(port), '127.0.0.1', () =>
  console.log(`[receiver] listening on http://127.0.0.1:${port}`),
);
