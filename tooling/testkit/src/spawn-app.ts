// Starts an app (or any node script) as a child process and waits for its ready line:
// the benchmarks use it to run Herald as it runs in production, one process per app.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';

export interface RunningProcess {
  readonly name: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** The apps `docker-entrypoint.sh` starts. */
export type HeraldApp = 'router' | 'worker' | 'auditor' | 'api' | 'gateway';

/**
 * Starts one of Herald's apps the way the image, the chart and `npm run demo` do:
 * through `docker-entrypoint.sh` in the checkout at `root`, so it gets the same Node
 * flags (the pipeline apps' heap; `HERALD_NODE_FLAGS` in `env` replaces them). The child
 * runs this process's node. `nodeArgs` (flags NODE_OPTIONS allows, e.g. --cpu-prof) go
 * into NODE_OPTIONS ahead of `env.NODE_OPTIONS`.
 */
export async function spawnHeraldApp(
  app: HeraldApp,
  root: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  readyText: string,
  { timeoutMs = 60_000, nodeArgs = [] }: { timeoutMs?: number; nodeArgs?: readonly string[] } = {},
): Promise<RunningProcess> {
  const nodeOptions = [...nodeArgs, env.NODE_OPTIONS ?? ''].join(' ').trim();
  // The launcher execs node, so the child's pid is the app's: the benches read its CPU
  // and memory from /proc by that pid.
  return start(
    app,
    'sh',
    [join(root, 'docker-entrypoint.sh'), app, ...args],
    readyText,
    timeoutMs,
    {
      ...env,
      HERALD_HOME: root,
      PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
      ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
    },
  );
}

/**
 * Starts a node script and waits until it prints `readyText`. Its output is kept
 * (the last 50 lines) so a failure can say why.
 */
export async function spawnApp(
  name: string,
  script: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  readyText: string,
  timeoutMs = 60_000,
  nodeArgs: readonly string[] = [],
): Promise<RunningProcess> {
  return start(name, process.execPath, [...nodeArgs, script, ...args], readyText, timeoutMs, {
    PATH: process.env.PATH ?? '',
    ...env,
  });
}

async function start(
  name: string,
  command: string,
  argv: readonly string[],
  readyText: string,
  timeoutMs: number,
  env: Readonly<Record<string, string>>,
): Promise<RunningProcess> {
  const child = spawn(command, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let ready!: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  const collect = (d: Buffer) => {
    for (const line of d.toString().split('\n')) {
      if (line.includes(readyText)) ready();
      if (line) lines.push(line);
      if (lines.length > 50) lines.shift();
    }
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const outcome = await Promise.race([
    started.then(() => 'ready' as const),
    exited.then(() => 'exited' as const),
    new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref()),
  ]);
  if (outcome !== 'ready') {
    child.kill('SIGKILL');
    throw new Error(
      `${name} ${outcome === 'exited' ? 'exited' : 'did not start'}; its output:\n${lines.join('\n')}`,
    );
  }
  return {
    name,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
