import { expect, it } from 'vitest';
import { failureMessage } from '../../../src/cli/failure-message.js';
import { StartupError } from '../../../src/cli/startup-errors.js';
import { StoreUnavailableError, StripeUnavailableError } from '../../../src/errors/index.js';

it("a command that failed on the database or on Stripe says which, with the failure's code and what to do", () => {
  const locked = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
  expect(failureMessage(locked)).toBe('database is locked (store_unavailable: the database could not serve the command; run it again once it answers (DATABASE_URL, or DATA_DIR for SQLite))');
  expect(failureMessage(new StoreUnavailableError('The store did not commit in time.', locked))).toMatch(/^The store did not commit in time\. \(store_unavailable: /);
  expect(failureMessage(new StripeUnavailableError(10_000, 2))).toMatch(/^Stripe did not answer within 10 s \(2 attempts\) \(stripe_unavailable: .*again in a moment\)$/);
});

it('any other failure is printed in its own words, and a startup error (which names its setting) as it is', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  const startup = new StartupError('database_unreachable', 'DATABASE_URL: cannot reach PostgreSQL at 127.0.0.1:5432 (ECONNREFUSED).', { cause: refused });
  expect(failureMessage(startup)).toBe(startup.message);
  expect(failureMessage(new Error('no order ord_1'))).toBe('no order ord_1');
  expect(failureMessage('plain')).toBe('plain');
});
