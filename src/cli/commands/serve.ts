import type { Command } from 'commander';
import type { ServeCommandOptions } from '../actions/serve.js';
import { portOption } from '../options.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the shop, the webhook endpoint and the worker (offline with the built-in emulator when no STRIPE_SECRET_KEY is set)')
    .option('-p, --port <port>', 'port to listen on (PORT, default 4242)', portOption)
    .option('--no-worker', 'do not process events in this process (run `settled worker` elsewhere)')
    .action(async (options: ServeCommandOptions) => {
      const { runServe } = await import('../actions/serve.js');
      await runServe(options);
    });
}
