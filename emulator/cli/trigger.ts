import type { ApiClient } from './api-client.js';
import { ApiError, errorMessage } from './api-client.js';
import { FIXTURES, findFixture, getPath, removePath, setPath, type FixtureStep } from './fixtures.js';

export interface TriggerOptions {
  event: string;
  /** `step:path=value`, as the Stripe CLI takes them. */
  add: string[];
  override: string[];
  /** `step:path`. */
  remove: string[];
  write: (line: string) => void;
}

interface Change {
  step: string;
  path: string;
  value?: string;
}

function parseChange(flag: string, text: string, withValue: boolean): Change {
  const match = withValue ? /^([\w.-]+):([^=]+)=(.*)$/s.exec(text) : /^([\w.-]+):(.+)$/.exec(text);
  if (!match) throw new Error(`--${flag} takes ${withValue ? 'step:path=value' : 'step:path'}, e.g. --${flag} ${withValue ? 'checkout_session:metadata.order_id=42' : 'payment_intent:description'}; got '${text}'`);
  return { step: match[1] ?? '', path: match[2] ?? '', ...(withValue ? { value: match[3] ?? '' } : {}) };
}

/** `${payment_intent:id}` → the id the payment_intent step answered. */
function resolve(text: string, answers: Map<string, unknown>): string {
  return text.replace(/\$\{([\w-]+):([^}]+)\}/g, (_whole, step: string, path: string) => {
    const value = getPath(answers.get(step), path);
    if (value === undefined || value === null) throw new Error(`the fixture refers to \${${step}:${path}}, which the ${step} step did not answer`);
    return String(value);
  });
}

function resolveDeep(value: unknown, answers: Map<string, unknown>): unknown {
  if (typeof value === 'string') return resolve(value, answers);
  if (Array.isArray(value)) return value.map((item) => resolveDeep(item, answers));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveDeep(item, answers)]));
  return value;
}

/** Creates the objects behind `event` through the emulator's API, as `stripe trigger` does against Stripe. */
export async function trigger(client: ApiClient, options: TriggerOptions): Promise<void> {
  const fixture = findFixture(options.event);
  if (!fixture) {
    throw new Error(`The event '${options.event}' is not supported by settled emulator trigger. Supported events:\n  ${FIXTURES.map((f) => f.event).join('\n  ')}`);
  }
  const changes = [
    ...options.add.map((text) => parseChange('add', text, true)),
    ...options.override.map((text) => parseChange('override', text, true)),
  ];
  const removals = options.remove.map((text) => parseChange('remove', text, false));
  for (const change of [...changes, ...removals]) {
    if (!fixture.steps.some((step) => step.name === change.step && step.kind === 'api')) {
      throw new Error(`The fixture for ${options.event} has no request step named '${change.step}'; its steps are: ${fixture.steps.filter((s) => s.kind === 'api').map((s) => s.name).join(', ')}`);
    }
  }
  const answers = new Map<string, unknown>();
  for (const step of fixture.steps) {
    options.write(`Setting up fixture for: ${step.name}`);
    options.write(`Running fixture for: ${step.name}`);
    answers.set(step.name, await runStep(client, step, answers, changes, removals));
  }
  options.write('Trigger succeeded! Check the delivery page (/_emulator/dashboard) for event details.');
}

async function runStep(client: ApiClient, step: FixtureStep, answers: Map<string, unknown>, changes: Change[], removals: Change[]): Promise<unknown> {
  if (step.kind === 'hosted_page') {
    const url = getPath(answers.get(step.session), 'url');
    if (typeof url !== 'string') throw new Error(`the ${step.session} step answered no hosted page url`);
    const path = new URL(url).pathname;
    const status = await client.form(path, { [step.field]: step.value });
    if (status !== 303 && status !== 200) throw new Error(`paying on the hosted page answered ${status}`);
    return { status };
  }
  if (step.kind === 'settle') {
    const config = await client.control('get', '/_emulator/config');
    const seconds = Number(config.body['async_settle_seconds'] ?? 10);
    await client.control('post', '/_emulator/clock/advance', { seconds });
    return {};
  }
  const params = structuredClone(step.params);
  for (const change of changes) if (change.step === step.name) setPath(params, change.path, change.value);
  for (const removal of removals) if (removal.step === step.name) removePath(params, removal.path);
  const answer = await client.stripe(step.method, resolve(step.path, answers), resolveDeep(params, answers) as Record<string, unknown>);
  if (answer.status === 402 && step.declineExpected) return (answer.body['error'] as Record<string, unknown> | undefined)?.['payment_intent'] ?? {};
  if (answer.status >= 400) throw new ApiError(answer.status, `Trigger failed: Request failed, status=${answer.status}, body=${JSON.stringify(answer.body)}\n${errorMessage(answer)}`);
  return answer.body;
}
