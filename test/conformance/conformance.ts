import type Stripe from 'stripe';
import { compareToFixture, describeDifference, fixtureIdPrefix, fixtureNameOf } from './fixtures.js';
import type { HttpMethod } from './openapi.js';
import { operationExists, validateResponse, validateSchema } from './openapi.js';

/**
 * One verdict for one HTTP exchange: the body against the spec's response schema for
 * (method, path, status), and every Stripe object in it — the body, list items, an event's
 * `data.object` — against the fixture's field set.
 */

type JsonObject = { [key: string]: unknown };

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Field-set problems of a Stripe object, descending into list items and event payloads. */
export function fieldSetProblems(body: unknown, where = '(body)'): string[] {
  if (!isObject(body)) return [`${where} is not an object`];
  if (body.object === 'list' || body.object === 'search_result') {
    const keys = Object.keys(body).sort().join(',');
    const expected = body.object === 'list' ? 'data,has_more,object,url' : 'data,has_more,next_page,object,url';
    const problems = keys === expected ? [] : [`${where} list fields are ${keys}, expected ${expected}`];
    const items = Array.isArray(body.data) ? body.data : [];
    return [...problems, ...items.flatMap((item, i) => fieldSetProblems(item, `${where}.data[${i}]`))];
  }
  const diff = compareToFixture(body);
  const problems = diff.missing.length + diff.extra.length > 0 ? [`${where}: ${describeDifference(diff)}`] : [];
  problems.push(...identityProblems(body, diff.resource, where));
  if (body.object === 'event' && isObject(body.data)) {
    problems.push(...eventPayloadProblems(body.data.object, `${where}.data.object`));
    problems.push(...previousAttributesProblems(body.data, `${where}.data`));
  }
  return problems;
}

/** Ids carry the fixture's prefix for their type (`cs_test_`, `pi_`, `price_`), and test mode is never live. */
function identityProblems(body: JsonObject, resource: string, where: string): string[] {
  const prefix = fixtureIdPrefix(resource);
  const problems: string[] = [];
  if (typeof body.id !== 'string' || !body.id.startsWith(prefix) || body.id.length <= prefix.length) {
    problems.push(`${where}.id ${JSON.stringify(body.id)} does not start with "${prefix}" like the ${resource} fixture`);
  }
  if ('livemode' in body && body.livemode !== false) problems.push(`${where}.livemode is ${JSON.stringify(body.livemode)} in test mode`);
  return problems;
}

/** previous_attributes holds old values of fields the object has, so its keys are the object's keys. */
function previousAttributesProblems(data: JsonObject, where: string): string[] {
  const previous = data.previous_attributes;
  if (previous === undefined) return [];
  if (!isObject(previous) || !isObject(data.object)) return [`${where}.previous_attributes is not an object`];
  const object = data.object;
  const strays = Object.keys(previous).filter((key) => !(key in object));
  return strays.length === 0 ? [] : [`${where}.previous_attributes names fields the object lacks: ${strays.join(', ')}`];
}

/** An event's data.object against both the spec schema and the fixture of its own type. */
export function eventPayloadProblems(payload: unknown, where = 'data.object'): string[] {
  let resource: string;
  try {
    resource = fixtureNameOf(payload);
  } catch (error) {
    return [`${where}: ${(error as Error).message}`];
  }
  return [
    ...validateSchema(resource, payload).map((p) => `${where} ${p}`),
    ...fieldSetProblems(payload, where),
  ];
}

export function conformanceProblems(method: HttpMethod, path: string, status: number, body: unknown): string[] {
  // Stripe answers a URL it does not know with the error envelope; there is no operation to look up.
  const known = status < 400 || operationExists(method, path);
  const spec = known ? validateResponse(method, path, status, body) : validateSchema('error', body);
  if (status >= 400) {
    const keys = isObject(body) ? Object.keys(body).join(',') : typeof body;
    return keys === 'error' ? spec : [...spec, `error body has fields ${keys}, expected only "error"`];
  }
  return [...spec, ...fieldSetProblems(body), ...listUrlProblems(path, body)];
}

/** A list's `url` is the path it was fetched from, without the query: the SDK pages by it. */
function listUrlProblems(path: string, body: unknown): string[] {
  if (!isObject(body) || body.object !== 'list') return [];
  const bare = path.split('?')[0] ?? path;
  return body.url === bare ? [] : [`list url is ${JSON.stringify(body.url)}, expected "${bare}"`];
}

/** Throws one readable error listing every spec and field-set problem of the exchange. */
export function expectConforms(method: HttpMethod, path: string, status: number, body: unknown): void {
  const problems = conformanceProblems(method, path, status, body);
  if (problems.length === 0) return;
  const shown = problems.slice(0, 30).join('\n  ');
  throw new Error(`${method.toUpperCase()} ${path} → ${status} does not conform:\n  ${shown}`);
}

/**
 * A webhook delivery as an integration receives it: the signature must verify with the endpoint's
 * secret (through the SDK, as a real integration checks it), and the event and its data.object must
 * conform like an API response.
 */
export function deliveryProblems(stripe: Stripe, delivery: { rawBody: string; signature: string }, secret: string): string[] {
  let event: Stripe.Event;
  try {
    event = stripe.webhooks.constructEvent(delivery.rawBody, delivery.signature, secret);
  } catch (error) {
    return [`delivery signature does not verify: ${(error as Error).message}`];
  }
  const where = `event ${event.id} (${event.type})`;
  return [
    ...validateSchema('event', event).map((p) => `${where} ${p}`),
    ...fieldSetProblems(event, where),
  ];
}
