// One process for every suite that drives the emulator: loading Stripe's description and compiling its
// schemas costs about a second per process, paid once here instead of once per file.
import './catalog.suite.js';
import './checkout-flow.suite.js';
import './checkout-sessions.suite.js';
import './disputes.suite.js';
import './errors.suite.js';
import './events-webhooks.suite.js';
import './expandable.suite.js';
import './payment-intents.suite.js';
import './payment-methods.suite.js';
import './refunds.suite.js';
import './sequences.suite.js';
import './parameters.suite.js';

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exercisedOperations } from './client.js';
import { pathTemplateFor } from './openapi.js';

/** The Stripe API routes the emulator registers, read from its source so a new route cannot go unchecked. */
function emulatorRoutes(): string[] {
  const root = new URL('../../emulator/', import.meta.url);
  const files = [
    ...readdirSync(root).filter((f) => f.endsWith('.ts')).map((f) => new URL(f, root)),
    ...readdirSync(new URL('resources/', root)).filter((f) => f.endsWith('.ts')).map((f) => new URL(`resources/${f}`, root)),
  ];
  const routes = files.flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/app\.(get|post|delete)\('(\/v1\/[^']+)'/g)].map(([, method = '', path = '']) => {
      const verb = method as 'get' | 'post' | 'delete';
      return `${verb.toUpperCase()} ${pathTemplateFor(verb, path.replace(/:\w+/g, 'x_1'))}`;
    }),
  );
  return [...new Set(routes)].sort();
}

// Runs after every suite above (tests run in the order they are defined).
describe('coverage', () => {
  it('has called every Stripe API route the emulator serves and checked its answer', () => {
    const routes = emulatorRoutes();
    expect(routes.length).toBeGreaterThan(30);
    expect(routes.filter((route) => !exercisedOperations().has(route))).toEqual([]);
  });
});
