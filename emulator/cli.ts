import { parseArgs } from 'node:util';
import { ApiClient, DEFAULT_API_BASE, errorMessage } from './cli/api-client.js';
import { listen } from './cli/listen.js';
import { trigger } from './cli/trigger.js';
import { readSeedFile } from './seed.js';
import { startEmulator, type ChaosOptions, type EmulatorOptions, type RunningEmulator } from './index.js';

const SERVER_OPTIONS_USAGE = `  --port <n>                 port to listen on (default 12111)
  --host <addr>              address to bind (default 127.0.0.1)
  --public-url <url>         base URL browsers use for session.url (default: the listening URL)
  --api-version <version>    the account's default API version, for requests without Stripe-Version
  --account-country <cc>     the account's country, which decides its payment method types (default US)
  --seed <file.json>         create these products, prices and customers at start (ids kept)
  --listen-secret <whsec_…>  the signing secret of listen endpoints (default: a fresh one per start)
  --retry-schedule-ms <list> webhook retry delays, comma-separated (default 300000,1800000,7200000)
  --async-settle-seconds <n> when delayed (SEPA) payments settle, in emulated seconds (default 10)
  --checkout-webhook-wait-ms <n> hold Checkout's redirect until the completed webhook's first attempt (default 0)
  --duplicates <n>           chaos: deliver each event 1..n times
  --shuffle-window-ms <n>    chaos: shuffle delivery order within this window
  --delay-ms <n>             chaos: delay every delivery
  --fail-rate <0..1>         chaos: fail this fraction of attempts before they reach the endpoint
  --chaos-seed <n>           chaos: random seed (a number given to --seed means this too)
  --log                      log every request`;

const USAGE = `Usage: emulator [options]                  run the emulator
       emulator listen --forward-to <url> [--events a,b] [--print-secret] [--api-base <url>] [options]
       emulator trigger <event> [--add step:path=value]… [--override step:path=value]… [--remove step:path]… [--api-base <url>]
       emulator events resend <evt_…> [--webhook-endpoint <we_…>] [--api-base <url>]
${SERVER_OPTIONS_USAGE}
  --help                     show this help

listen starts an emulator (with the options above) unless --api-base names a running one; trigger and
events resend talk to --api-base (default ${DEFAULT_API_BASE}).`;

const SERVER_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'public-url': { type: 'string' },
  'api-version': { type: 'string' },
  'account-country': { type: 'string' },
  seed: { type: 'string' },
  'listen-secret': { type: 'string' },
  'retry-schedule-ms': { type: 'string' },
  'async-settle-seconds': { type: 'string' },
  'checkout-webhook-wait-ms': { type: 'string' },
  duplicates: { type: 'string' },
  'shuffle-window-ms': { type: 'string' },
  'delay-ms': { type: 'string' },
  'fail-rate': { type: 'string' },
  'chaos-seed': { type: 'string' },
  log: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

type Values = Record<string, string | boolean | string[] | undefined>;

function numberOption(values: Values, name: string): number | undefined {
  const raw = values[name];
  if (typeof raw !== 'string') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`--${name} must be a number, got '${raw}'`);
  return value;
}

function stringOption(values: Values, name: string): string | undefined {
  const raw = values[name];
  return typeof raw === 'string' && raw !== '' ? raw : undefined;
}

function listOption(values: Values, name: string): string[] {
  const raw = values[name];
  return Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
}

async function emulatorOptions(values: Values): Promise<EmulatorOptions> {
  const chaos: ChaosOptions = {};
  const duplicates = numberOption(values, 'duplicates');
  const shuffleWindowMs = numberOption(values, 'shuffle-window-ms');
  const delayMs = numberOption(values, 'delay-ms');
  const failRate = numberOption(values, 'fail-rate');
  const seedFlag = stringOption(values, 'seed');
  // `--seed 9` was the chaos seed before seed files existed; a number still means that.
  const seedIsNumber = seedFlag !== undefined && /^-?\d+$/.test(seedFlag);
  const chaosSeed = numberOption(values, 'chaos-seed') ?? (seedIsNumber ? Number(seedFlag) : undefined);
  if (duplicates !== undefined) chaos.duplicates = duplicates;
  if (shuffleWindowMs !== undefined) chaos.shuffleWindowMs = shuffleWindowMs;
  if (delayMs !== undefined) chaos.delayMs = delayMs;
  if (failRate !== undefined) chaos.failRate = failRate;
  if (chaosSeed !== undefined) chaos.seed = chaosSeed;
  const options: EmulatorOptions = { port: numberOption(values, 'port') ?? 12111, chaos, logger: values['log'] === true };
  const host = stringOption(values, 'host');
  if (host) options.host = host;
  const publicUrl = stringOption(values, 'public-url');
  if (publicUrl) options.publicUrl = publicUrl;
  const apiVersion = stringOption(values, 'api-version');
  if (apiVersion) options.apiVersion = apiVersion;
  const country = stringOption(values, 'account-country');
  if (country) options.accountCountry = country;
  const listenSecret = stringOption(values, 'listen-secret');
  if (listenSecret) {
    if (!/^whsec_\w+$/.test(listenSecret)) throw new Error(`--listen-secret must look like whsec_…, got '${listenSecret}'`);
    options.listenSecret = listenSecret;
  }
  if (seedFlag !== undefined && !seedIsNumber) options.seed = await readSeedFile(seedFlag);
  const settle = numberOption(values, 'async-settle-seconds');
  if (settle !== undefined) options.asyncSettleSeconds = settle;
  const webhookWait = numberOption(values, 'checkout-webhook-wait-ms');
  if (webhookWait !== undefined) options.checkoutWebhookWaitMs = webhookWait;
  const schedule = stringOption(values, 'retry-schedule-ms');
  if (schedule) {
    options.retryScheduleMs = schedule.split(',').map((part) => Number(part.trim()));
    if (options.retryScheduleMs.some((delay) => !Number.isFinite(delay) || delay < 0)) throw new Error(`--retry-schedule-ms must be numbers ≥ 0, comma-separated, got '${schedule}'`);
  }
  return options;
}

function write(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Ends on SIGINT or SIGTERM after `cleanup`. */
function untilSignal(cleanup: () => Promise<void>): void {
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void cleanup().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function serve(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({ args: [...args], options: SERVER_OPTIONS });
  if (values.help) return write(USAGE);
  const options = await emulatorOptions(values);
  const emulator = await startEmulator(options);
  announce(emulator, options);
  untilSignal(() => emulator.close());
}

function announce(emulator: RunningEmulator, options: EmulatorOptions): void {
  write(`Stripe emulator listening on ${emulator.url}`);
  write(`SDK: new Stripe('sk_test_anything', { host: '${options.host ?? '127.0.0.1'}', port: ${emulator.port}, protocol: 'http' })`);
  write(`Deliveries: ${emulator.url}/_emulator/dashboard`);
}

async function listenCommand(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...args],
    options: { ...SERVER_OPTIONS, 'forward-to': { type: 'string', short: 'f' }, events: { type: 'string', short: 'e' }, 'print-secret': { type: 'boolean' }, 'api-base': { type: 'string' } },
  });
  if (values.help) return write(USAGE);
  const forwardTo = stringOption(values, 'forward-to');
  if (!forwardTo && !values['print-secret']) throw new Error('listen needs --forward-to <url>, e.g. --forward-to localhost:4242/api/webhook');
  const apiBase = stringOption(values, 'api-base');
  let emulator: RunningEmulator | undefined;
  if (!apiBase) {
    const options = await emulatorOptions(values);
    emulator = await startEmulator(options);
    announce(emulator, options);
  }
  const client = new ApiClient(apiBase ?? emulator?.url ?? DEFAULT_API_BASE);
  if (values['print-secret']) {
    const answer = await client.control('get', '/_emulator/listeners/secret');
    if (answer.status >= 400) throw new Error(errorMessage(answer));
    write(String(answer.body['secret']));
    await emulator?.close();
    return;
  }
  const events = (stringOption(values, 'events') ?? '*').split(',').map((type) => type.trim()).filter((type) => type !== '');
  const url = /^https?:\/\//.test(forwardTo ?? '') ? (forwardTo as string) : `http://${forwardTo ?? ''}`;
  const config = await client.control('get', '/_emulator/config');
  const listening = await listen(client, { forwardTo: url, events, write });
  write(`> Ready! You are using Stripe API Version [${String(config.body['api_version'] ?? '')}]. Your webhook signing secret is ${listening.secret} (^C to quit)`);
  untilSignal(async () => {
    await listening.stop();
    await emulator?.close();
  });
}

async function triggerCommand(args: readonly string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      'api-base': { type: 'string' },
      add: { type: 'string', multiple: true },
      override: { type: 'string', multiple: true },
      remove: { type: 'string', multiple: true },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return write(USAGE);
  const [event] = positionals;
  if (!event) throw new Error('trigger needs an event, e.g. settled emulator trigger checkout.session.completed');
  const client = new ApiClient(stringOption(values, 'api-base') ?? DEFAULT_API_BASE);
  await trigger(client, { event, add: listOption(values, 'add'), override: listOption(values, 'override'), remove: listOption(values, 'remove'), write });
}

async function eventsCommand(args: readonly string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { 'api-base': { type: 'string' }, 'webhook-endpoint': { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) return write(USAGE);
  const [action, id] = positionals;
  if (action !== 'resend' || !id) throw new Error('usage: events resend <evt_…> [--webhook-endpoint <we_…>]');
  const client = new ApiClient(stringOption(values, 'api-base') ?? DEFAULT_API_BASE);
  const endpoint = stringOption(values, 'webhook-endpoint');
  const answer = await client.stripe('post', `/v1/events/${encodeURIComponent(id)}/retry`, endpoint ? { webhook_endpoint: endpoint } : {});
  if (answer.status >= 400) throw new Error(errorMessage(answer));
  write(JSON.stringify(answer.body, null, 2));
}

/** The emulator's command line; `settled emulator …` and `tsx emulator/main.ts …` both run it. */
export async function runEmulatorCli(args: readonly string[]): Promise<void> {
  const [command, ...rest] = args;
  if (command === 'listen') return listenCommand(rest);
  if (command === 'trigger') return triggerCommand(rest);
  if (command === 'events') return eventsCommand(rest);
  return serve(args);
}

export function emulatorCliFailed(error: unknown): never {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\nRun with --help for usage.\n`);
  process.exit(1);
}
