import type { Command } from 'commander';
import { startEmulator } from '../../../emulator/index.js';
import { closeOnSignals, portOption } from '../environment.js';

export function registerEmulator(program: Command): void {
  program
    .command('emulator')
    .description('run the local Stripe emulator on its own; point any Stripe SDK at it')
    .option('-p, --port <port>', 'port to listen on', portOption, '12111')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .action(async (options: { port: string; host: string }) => {
      const emulator = await startEmulator({ port: Number(options.port), host: options.host });
      console.log(`Stripe emulator listening on ${emulator.url}`);
      console.log(`Point the SDK at it: new Stripe('sk_test_anything', { host: '${options.host}', port: ${emulator.port}, protocol: 'http' })`);
      closeOnSignals(() => emulator.close());
    });
}
