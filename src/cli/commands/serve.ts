import type { Command } from 'commander';
import { closeOnSignals, configFromEnvironment, portOption } from '../environment.js';
import { serve } from '../serve.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the shop, the webhook endpoint and the worker (offline with the built-in emulator when no STRIPE_SECRET_KEY is set)')
    .option('-p, --port <port>', 'port to listen on (PORT, default 4242)', portOption)
    .option('--no-worker', 'do not process events in this process (run `settled worker` elsewhere)')
    .action(async (options: { port?: string; worker: boolean }) => {
      const handle = await serve(configFromEnvironment({ PORT: options.port }), { worker: options.worker });
      console.log(`settled is serving on ${handle.url} — open ${handle.publicUrl}`);
      if (handle.emulatorUrl) console.log(`built-in Stripe emulator on ${handle.emulatorUrl} (no STRIPE_SECRET_KEY set)`);
      if (handle.generatedAdminToken) {
        console.log(`operator dashboard on ${handle.publicUrl}/admin — admin token for this run: ${handle.generatedAdminToken} (set ADMIN_TOKEN to choose one)`);
      }
      closeOnSignals(() => handle.close());
    });
}
