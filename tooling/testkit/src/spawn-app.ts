// Starts an app (or any node script) as a child process and waits for its ready line:
// the benchmarks use it to run Herald as it runs in production, one process per app.
import { spawn, type ChildProcess } from 'node:child_process';

export interface RunningProcess {
  readonly name: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
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
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
