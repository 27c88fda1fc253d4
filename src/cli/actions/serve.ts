import { styleText } from 'node:util';
import { resolveLogFormat } from '../../logging.js';
import { closeOnSignals, configFromEnvironment } from '../environment.js';
import { serve, type ServeHandle } from '../serve.js';

export interface ServeCommandOptions {
  readonly port?: string;
  readonly worker: boolean;
}

/** Where the shop, the emulator and the dashboard are: what a person starting settled looks for first. */
export function startLines(handle: ServeHandle): string[] {
  const lines = [`settled is serving on ${handle.url} — open ${handle.publicUrl}`];
  if (handle.emulatorUrl) lines.push(`built-in Stripe emulator on ${handle.emulatorUrl} (no STRIPE_SECRET_KEY set)`);
  if (handle.generatedAdminToken) {
    lines.push(`operator dashboard on ${handle.publicUrl}/admin — admin token for this run: ${handle.generatedAdminToken} (set ADMIN_TOKEN to choose one)`);
  }
  return lines;
}

export async function runServe(options: ServeCommandOptions): Promise<void> {
  const config = configFromEnvironment({ PORT: options.port });
  const handle = await serve(config, { worker: options.worker });
  const lines = startLines(handle);
  if (resolveLogFormat(config.logFormat, process.stdout.isTTY === true) === 'pretty') {
    // Among readable log lines, set apart by a blank line each side, and in bold on a terminal.
    const shown = process.stdout.isTTY ? lines.map((line) => styleText('bold', line)) : lines;
    console.log(['', ...shown, ''].join('\n'));
  } else {
    for (const line of lines) console.log(line);
  }
  closeOnSignals(() => handle.close());
}
