#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { startEmulator } from '../../emulator/index.js';
import { openConfiguredStore } from './runtime.js';
import { serve } from './serve.js';

function readEnvironment(): Record<string, string | undefined> {
  // A .env file in the working directory fills in what the real environment leaves unset.
  try {
    process.loadEnvFile('.env');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return process.env;
}

function config(overrides: Record<string, string | undefined> = {}): Config {
  return loadConfig({ ...readEnvironment(), ...overrides });
}

function port(value: string): string {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError('a port is a number from 0 to 65535');
  return value;
}

function onSignals(close: () => Promise<void>): void {
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

const program = new Command()
  .name('settled')
  .description('Know that a Stripe order is paid, and fulfill it exactly once.')
  .showHelpAfterError();

program
  .command('serve')
  .description('serve the shop, the webhook endpoint and the worker (offline with the built-in emulator when no STRIPE_SECRET_KEY is set)')
  .option('-p, --port <port>', 'port to listen on (PORT, default 4242)', port)
  .option('--no-worker', 'do not process events in this process (run `settled worker` elsewhere)')
  .action(async (options: { port?: string; worker: boolean }) => {
    const handle = await serve(config({ PORT: options.port ?? process.env['PORT'] }), { worker: options.worker });
    console.log(`settled is serving on ${handle.url} — open ${handle.publicUrl}`);
    if (handle.emulatorUrl) console.log(`built-in Stripe emulator on ${handle.emulatorUrl} (no STRIPE_SECRET_KEY set)`);
    onSignals(() => handle.close());
  });

program
  .command('emulator')
  .description('run the local Stripe emulator on its own; point any Stripe SDK at it')
  .option('-p, --port <port>', 'port to listen on', port, '12111')
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .action(async (options: { port: string; host: string }) => {
    const emulator = await startEmulator({ port: Number(options.port), host: options.host });
    console.log(`Stripe emulator listening on ${emulator.url}`);
    console.log(`Point the SDK at it: new Stripe('sk_test_anything', { host: '${options.host}', port: ${emulator.port}, protocol: 'http' })`);
    onSignals(() => emulator.close());
  });

program
  .command('migrate')
  .description('apply database migrations (SQLite under DATA_DIR, or DATABASE_URL)')
  .action(async () => {
    const store = await openConfiguredStore(config());
    try {
      await store.migrate();
      console.log(`migrations applied (${store.dialect})`);
    } finally {
      await store.close();
    }
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(error.message);
  } else {
    console.error(error instanceof Error ? `settled: ${error.message}` : error);
  }
  process.exit(1);
});
