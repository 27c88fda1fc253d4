import { closeOnSignals, configFromEnvironment } from '../environment.js';
import { serve } from '../serve.js';

export interface ServeCommandOptions {
  readonly port?: string;
  readonly worker: boolean;
}

export async function runServe(options: ServeCommandOptions): Promise<void> {
  const handle = await serve(configFromEnvironment({ PORT: options.port }), { worker: options.worker });
  console.log(`settled is serving on ${handle.url} — open ${handle.publicUrl}`);
  if (handle.emulatorUrl) console.log(`built-in Stripe emulator on ${handle.emulatorUrl} (no STRIPE_SECRET_KEY set)`);
  if (handle.generatedAdminToken) {
    console.log(`operator dashboard on ${handle.publicUrl}/admin — admin token for this run: ${handle.generatedAdminToken} (set ADMIN_TOKEN to choose one)`);
  }
  closeOnSignals(() => handle.close());
}
