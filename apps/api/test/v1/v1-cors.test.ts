/**
 * CORS on the real stack: off unless HERALD_API_CORS_ORIGINS lists origins; then only
 * those origins get Access-Control-* headers, preflight included.
 */
import { testRun } from '@herald/testkit';
import { startV1, type V1Harness } from './v1-harness.js';

const off = testRun('api-v1-cors-off');
const on = testRun('api-v1-cors-on');
let plain: V1Harness;
let allowing: V1Harness;
let key: string;

beforeAll(async () => {
  plain = await startV1(off);
  allowing = await startV1(on, { HERALD_API_CORS_ORIGINS: 'https://admin.example.com' });
  key = await allowing.key('acme', ['read']);
}, 90_000);

afterAll(async () => {
  await off.stop();
  await on.stop();
});

const preflight = (h: V1Harness, origin: string) =>
  h.call(undefined, 'OPTIONS', '/v1/rules', undefined, {
    origin,
    'access-control-request-method': 'GET',
    'access-control-request-headers': 'authorization',
  });

it('sends no Access-Control-* headers by default, for a request or a preflight', async () => {
  const k = await plain.key('acme', ['read']);
  const r = await plain.call(k, 'GET', '/v1/rules', undefined, {
    origin: 'https://admin.example.com',
  });
  expect(r.status).toBe(200);
  expect(r.headers.get('access-control-allow-origin')).toBeNull();
  const p = await preflight(plain, 'https://admin.example.com');
  expect(p.headers.get('access-control-allow-origin')).toBeNull();
});

it('allows a listed origin (preflight with Authorization, RateLimit headers exposed)', async () => {
  const p = await preflight(allowing, 'https://admin.example.com');
  expect(p.status).toBe(204);
  expect(p.headers.get('access-control-allow-origin')).toBe('https://admin.example.com');
  expect(p.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
  const r = await allowing.call(key, 'GET', '/v1/rules', undefined, {
    origin: 'https://admin.example.com',
  });
  expect(r.status).toBe(200);
  expect(r.headers.get('access-control-allow-origin')).toBe('https://admin.example.com');
  expect(r.headers.get('access-control-expose-headers')).toContain('RateLimit-Remaining');
});

it('gives an origin that is not listed no Access-Control-Allow-Origin', async () => {
  const r = await allowing.call(key, 'GET', '/v1/rules', undefined, {
    origin: 'https://evil.example.com',
  });
  expect(r.headers.get('access-control-allow-origin')).toBeNull();
  const p = await preflight(allowing, 'https://evil.example.com');
  expect(p.headers.get('access-control-allow-origin')).toBeNull();
});
