// A worker's provider choice per job (`chooseProvider`: the channel's providers, each
// one's endpoint for its breaker, the breaker's verdict), two builds of @herald/delivery
// side by side in one process, rounds alternated (A B, B A, …) so drift hits both alike
// (issue 19, round 8: `endpointOf` keeps a URL address's endpoint instead of parsing it
// per job). Jobs are JSON-parsed, so each holds its own address string as the worker's
// decoded jobs do; SHAPE picks their addresses:
//   webhook  bench/e2e's: one receiver URL for every job (default)
//   many     1,000 receiver URLs, jobs spread over them
//   email    e-mail addresses (no URL: the endpoint is the provider, nothing kept)
//
//   node packages/delivery/bench/provider-choice-bench.mjs --base <dir holding the base dist/> \
//     [--new <dir>] [--jobs 200000] [--rounds 9]
//
// Prints CPU ns per job (process.cpuUsage, user + system). A measurement, not a test.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { abRounds } from '../../../tooling/bench/ab-rounds.mjs';

const { values: opts } = parseArgs({
  options: {
    base: { type: 'string' },
    new: { type: 'string' },
    jobs: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '9' },
  },
});
if (!opts.base) throw new Error('--base <dir with dist/> is required');
const count = Number(opts.jobs);
const rounds = Number(opts.rounds);
const shape = process.env.SHAPE ?? 'webhook';

async function side(dir) {
  const root = pathToFileURL(resolve(dir) + '/').href;
  const { chooseProvider } = await import(new URL('dist/pipeline/provider-choice.js', root).href);
  const { BreakerRegistry } = await import(new URL('dist/circuit-breaker.js', root).href);
  return { chooseProvider, breakers: new BreakerRegistry() };
}
const sides = {
  base: await side(opts.base),
  new: await side(opts.new ?? new URL('..', import.meta.url).pathname),
};
const channel = shape === 'email' ? 'email' : 'webhook';
const providers = { webhook: { name: 'webhook' }, email: { name: 'ses' } };
const channels = { providerFor: (job) => providers[job.channel] };
const addressOf = (i) =>
  shape === 'email'
    ? `user-${i}@example.com`
    : shape === 'many'
      ? `https://hooks-${i % 1000}.example.com/hooks/1`
      : 'http://127.0.0.1:41234/hooks/1';
const jobs = JSON.parse(
  JSON.stringify(
    Array.from({ length: count }, (_, i) => ({
      notificationId: `n-${i}`,
      channel,
      recipient: { ref: `r-${i}`, address: addressOf(i) },
    })),
  ),
);

function run({ chooseProvider, breakers }) {
  globalThis.gc?.();
  const before = process.cpuUsage();
  let chosen = 0;
  for (const job of jobs) if ('chosen' in chooseProvider(channels, breakers, job)) chosen++;
  const used = process.cpuUsage(before);
  if (chosen !== jobs.length) throw new Error(`only ${chosen} of ${jobs.length} chosen`);
  return ((used.user + used.system) * 1000) / jobs.length;
}

await abRounds({ sides, run, rounds, unit: 'ns per job', note: shape });
