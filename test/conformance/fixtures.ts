import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CONDITIONAL_FIELDS, NEWER_FIELDS, TYPE_NAMED_FIELDS } from './allowances.js';

/**
 * Stripe's example object for each resource (fixtures3.json, reference data kept in
 * test/fixtures/stripe/). The emulator's objects must carry exactly the fixture's top-level fields.
 */

type JsonObject = { [key: string]: unknown };

const DEFAULT_FIXTURES = new URL('../fixtures/stripe/fixtures3.json', import.meta.url);

let resources: Record<string, JsonObject> | undefined;

function loadResources(): Record<string, JsonObject> {
  if (resources !== undefined) return resources;
  const file = process.env.STRIPE_FIXTURES ?? fileURLToPath(DEFAULT_FIXTURES);
  if (!existsSync(file)) {
    throw new Error(`Stripe's fixtures3.json is not at ${file}: point STRIPE_FIXTURES at a copy (see ../shared/stripe/README.md).`);
  }
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { resources: Record<string, JsonObject> };
  resources = parsed.resources;
  return resources;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function fixture(name: string): JsonObject {
  const found = loadResources()[name];
  if (found === undefined) throw new Error(`fixtures3.json has no resource "${name}"`);
  return structuredClone(found);
}

const keysCache = new Map<string, string[]>();

export function fixtureKeys(name: string): string[] {
  let keys = keysCache.get(name);
  if (keys === undefined) {
    keys = Object.keys(fixture(name)).sort();
    keysCache.set(name, keys);
  }
  return [...keys];
}

/** The id prefix of a resource's fixture, up to its last underscore: `cs_test_`, `pi_`, `price_`. */
export function fixtureIdPrefix(name: string): string {
  const id = loadResources()[name]?.id;
  return typeof id === 'string' ? (/^(.*_)/.exec(id)?.[1] ?? '') : '';
}

/** The fixture resource that describes a body: its `object`, or `deleted_<object>` for deletions. */
export function fixtureNameOf(body: unknown): string {
  if (!isObject(body) || typeof body.object !== 'string') {
    throw new Error(`not a Stripe object (no string "object" field): ${JSON.stringify(body)?.slice(0, 120)}`);
  }
  return body.deleted === true ? `deleted_${body.object}` : body.object;
}

export interface FieldSetDifference {
  resource: string;
  missing: string[];
  extra: string[];
}

/** The exact top-level field set an emulator object of this type must have. */
export function expectedFields(resource: string): string[] {
  return [...fixtureKeys(resource), ...(NEWER_FIELDS[resource] ?? [])].sort();
}

/** Fields the fixture has that the body lacks, and fields the body has that the fixture lacks. */
export function compareToFixture(body: unknown, resource: string = fixtureNameOf(body)): FieldSetDifference {
  if (!isObject(body)) throw new Error(`expected a ${resource} object, got ${JSON.stringify(body)}`);
  const typed = TYPE_NAMED_FIELDS[resource];
  const expected = expectedFields(resource).map((key) =>
    typed !== undefined && key === typed.fixtureType && typeof body.type === 'string' ? body.type : key,
  );
  const conditional = CONDITIONAL_FIELDS[resource] ?? {};
  const actual = Object.keys(body);
  return {
    resource,
    missing: expected.filter((key) => !actual.includes(key)),
    extra: actual.filter((key) => !expected.includes(key) && !(key in conditional)).sort(),
  };
}

export function describeDifference(diff: FieldSetDifference): string {
  const parts: string[] = [];
  if (diff.missing.length > 0) parts.push(`missing ${diff.missing.join(', ')}`);
  if (diff.extra.length > 0) parts.push(`extra ${diff.extra.join(', ')}`);
  return `${diff.resource} fields differ from fixtures3.json: ${parts.join('; ')}`;
}

export function expectFixtureFields(body: unknown, resource?: string): void {
  const diff = compareToFixture(body, resource);
  if (diff.missing.length > 0 || diff.extra.length > 0) throw new Error(describeDifference(diff));
}
