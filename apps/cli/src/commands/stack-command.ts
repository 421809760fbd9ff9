import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from './command-context.js';

/** `herald stack up|down|status|logs|reset|env`: the local stack, via deploy/local/stack.sh. */
export function registerStackCommand(program: Command, context: CommandContext): void {
  program
    .command('stack')
    .description('run the local stack (Kafka, PostgreSQL, Redis) without Docker')
    .argument('<action>', 'up | down | status | logs | reset | env')
    .argument('[args...]', 'services (kafka, postgres, redis) or logs options (-f)')
    .allowUnknownOption()
    .action(async (action: string, args: string[]) => {
      const script = join(context.repoRoot, 'deploy/local/stack.sh');
      const code = await new Promise<number>((resolve) => {
        spawn('bash', [script, action, ...args], { stdio: 'inherit' }).on('exit', (c) =>
          resolve(c ?? 1),
        );
      });
      process.exitCode = code;
    });
}
