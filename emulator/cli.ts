import { parseArgs } from 'node:util';
import { startEmulator, type ChaosOptions, type EmulatorOptions } from './index.js';

const USAGE = `Usage: emulator [options]
  --port <n>                 port to listen on (default 12111)
  --host <addr>              address to bind (default 127.0.0.1)
  --public-url <url>         base URL browsers use for session.url (default: the listening URL)
  --retry-schedule-ms <list> webhook retry delays, comma-separated (default 300000,1800000,7200000)
  --async-settle-seconds <n> when delayed (SEPA) payments settle, in emulated seconds (default 10)
  --checkout-webhook-wait-ms <n> hold Checkout's redirect until the completed webhook's first attempt (default 0)
  --duplicates <n>           chaos: deliver each event 1..n times
  --shuffle-window-ms <n>    chaos: shuffle delivery order within this window
  --delay-ms <n>             chaos: delay every delivery
  --fail-rate <0..1>         chaos: fail this fraction of attempts before they reach the endpoint
  --seed <n>                 chaos: random seed
  --log                      log every request
  --help                     show this help`;

function numberOption(values: Record<string, string | boolean | undefined>, name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined || typeof raw === 'boolean') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`--${name} must be a number, got '${raw}'`);
  return value;
}

/** The emulator's command line; `settled emulator` and `tsx emulator/main.ts` both run it. */
export async function runEmulatorCli(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'public-url': { type: 'string' },
      'retry-schedule-ms': { type: 'string' },
      'async-settle-seconds': { type: 'string' },
      'checkout-webhook-wait-ms': { type: 'string' },
      duplicates: { type: 'string' },
      'shuffle-window-ms': { type: 'string' },
      'delay-ms': { type: 'string' },
      'fail-rate': { type: 'string' },
      seed: { type: 'string' },
      log: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const chaos: ChaosOptions = {};
  const duplicates = numberOption(values, 'duplicates');
  const shuffleWindowMs = numberOption(values, 'shuffle-window-ms');
  const delayMs = numberOption(values, 'delay-ms');
  const failRate = numberOption(values, 'fail-rate');
  const seed = numberOption(values, 'seed');
  if (duplicates !== undefined) chaos.duplicates = duplicates;
  if (shuffleWindowMs !== undefined) chaos.shuffleWindowMs = shuffleWindowMs;
  if (delayMs !== undefined) chaos.delayMs = delayMs;
  if (failRate !== undefined) chaos.failRate = failRate;
  if (seed !== undefined) chaos.seed = seed;
  const options: EmulatorOptions = { port: numberOption(values, 'port') ?? 12111, chaos, logger: values.log ?? false };
  if (values.host) options.host = values.host;
  if (values['public-url']) options.publicUrl = values['public-url'];
  const settle = numberOption(values, 'async-settle-seconds');
  if (settle !== undefined) options.asyncSettleSeconds = settle;
  const webhookWait = numberOption(values, 'checkout-webhook-wait-ms');
  if (webhookWait !== undefined) options.checkoutWebhookWaitMs = webhookWait;
  if (values['retry-schedule-ms']) options.retryScheduleMs = values['retry-schedule-ms'].split(',').map((part) => Number(part.trim()));
  const emulator = await startEmulator(options);
  process.stdout.write(`Stripe emulator listening on ${emulator.url}\n`);
  process.stdout.write(`SDK: new Stripe('sk_test_anything', { host: '${options.host ?? '127.0.0.1'}', port: ${emulator.port}, protocol: 'http' })\n`);
  const stop = (): void => {
    void emulator.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

export function emulatorCliFailed(error: unknown): never {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
  process.exit(1);
}
