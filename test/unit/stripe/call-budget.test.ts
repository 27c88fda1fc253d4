import Stripe from 'stripe';
import { expect, it } from 'vitest';
import { callWithinBudget, DEFAULT_CALL_POLICY, type AttemptOptions, type CallPolicy, type Clock } from '../../../src/stripe/call-budget.js';
import { StripeUnavailableError } from '../../../src/stripe/errors.js';
import { StripeGateway } from '../../../src/stripe/gateway.js';

/** Time moves only when the test says so: a sleep resolves when the clock is moved past its end. */
function manualClock(): Clock & { advance(ms: number): void; wakeNext(): boolean; readonly sleeps: number[] } {
  let nowMs = 0;
  const waiting = new Set<{ at: number; wake: () => void }>();
  const sleeps: number[] = [];
  const wakeDue = (): void => {
    for (const waiter of [...waiting].sort((a, b) => a.at - b.at)) {
      if (waiter.at > nowMs) continue;
      waiting.delete(waiter);
      waiter.wake();
    }
  };
  return {
    sleeps,
    now: () => nowMs,
    sleep(ms, signal) {
      // The deadline's own timer is given a signal; the back-offs are the sleeps without one.
      if (signal === undefined) sleeps.push(ms);
      return new Promise((resolve) => {
        const waiter = { at: nowMs + ms, wake: () => resolve() };
        waiting.add(waiter);
        signal?.addEventListener('abort', () => waiting.delete(waiter));
      });
    },
    advance(ms) {
      nowMs += ms;
      wakeDue();
    },
    wakeNext() {
      const next = [...waiting].sort((a, b) => a.at - b.at)[0];
      if (next === undefined) return false;
      nowMs = Math.max(nowMs, next.at);
      wakeDue();
      return true;
    },
  };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Lets the call run, moving the clock to each sleep's end whenever the call is waiting on one. */
async function run<T>(clock: ReturnType<typeof manualClock>, call: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  let outcome: { value?: T; error?: unknown } | undefined;
  call.then(
    (value) => (outcome = { value }),
    (error: unknown) => (outcome = { error }),
  );
  for (let step = 0; step < 100; step++) {
    await turn();
    if (outcome !== undefined) return outcome;
    if (!clock.wakeNext()) await turn();
  }
  throw new Error('the call neither settled nor waited on the clock');
}

function policy(clock: Clock, overrides: Partial<CallPolicy> = {}): CallPolicy {
  return { ...DEFAULT_CALL_POLICY, clock, random: () => 1, budgetMs: 1_500, ...overrides };
}

const connectionError = (): Stripe.errors.StripeConnectionError => new Stripe.errors.StripeConnectionError({ message: 'An error occurred with our connection to Stripe.' });
const rateLimited = (): Stripe.errors.StripeRateLimitError => new Stripe.errors.StripeRateLimitError({ message: 'Too many requests', statusCode: 429 });

it('a Stripe that never answers fails at the deadline with StripeUnavailableError, not after the attempt’s own timeout', async () => {
  const clock = manualClock();
  const seen: AttemptOptions[] = [];
  const outcome = await run(
    clock,
    callWithinBudget((options) => {
      seen.push(options);
      return new Promise<never>(() => undefined);
    }, policy(clock)),
  );
  expect(outcome.error).toBeInstanceOf(StripeUnavailableError);
  expect((outcome.error as StripeUnavailableError).message).toBe('Stripe did not answer within 1.5 s (1 attempt)');
  expect(clock.now()).toBe(1_500);
  // The attempt may wait for the whole budget, and stripe-node must not repeat it on its own.
  expect(seen).toEqual([{ timeout: 1_500, maxNetworkRetries: 0 }]);
});

it('each retry may wait only for what is left of the budget', async () => {
  const clock = manualClock();
  const seen: AttemptOptions[] = [];
  const outcome = await run(
    clock,
    callWithinBudget(async (options) => {
      seen.push(options);
      clock.advance(100);
      if (seen.length < 3) throw connectionError();
      return 'created';
    }, policy(clock, { budgetMs: 10_000 })),
  );
  expect(outcome.value).toBe('created');
  // Back-offs of 500 and 1000 ms (the full ceiling with random() = 1), each attempt 100 ms.
  expect(clock.sleeps).toEqual([500, 1_000]);
  expect(seen.map((options) => options.timeout)).toEqual([10_000, 9_400, 8_300]);
});

it('no attempt waits longer than attemptTimeoutMs, so a long budget still allows several tries', async () => {
  const clock = manualClock();
  const timeouts: number[] = [];
  const outcome = await run(
    clock,
    callWithinBudget(async ({ timeout }) => {
      timeouts.push(timeout);
      // What stripe-node does when its per-request timeout passes without an answer.
      clock.advance(timeout);
      throw connectionError();
    }, policy(clock, { budgetMs: 60_000, attemptTimeoutMs: 20_000, random: () => 0 })),
  );
  expect(timeouts).toEqual([20_000, 20_000, 19_250]);
  expect(outcome.error).toBeInstanceOf(Stripe.errors.StripeConnectionError);
  expect(clock.now()).toBe(60_000);
});

it('a 429 back-off that would end past the deadline is not slept: the call fails at once', async () => {
  const clock = manualClock();
  let attempts = 0;
  const outcome = await run(
    clock,
    callWithinBudget(async () => {
      attempts++;
      throw rateLimited();
    }, policy(clock, { rateLimit: { maxRetries: 5, baseDelayMs: 1_000, maxDelayMs: 8_000 } })),
  );
  expect(attempts).toBe(2);
  expect(clock.sleeps).toEqual([1_000]);
  expect(clock.now()).toBe(1_000);
  expect(outcome.error).toBeInstanceOf(StripeUnavailableError);
  expect((outcome.error as Error).cause).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
});

it('gives up after maxRetries with the last transient error when time is left', async () => {
  const clock = manualClock();
  let attempts = 0;
  const failure = new Stripe.errors.StripeAPIError({ message: 'An unknown error occurred', statusCode: 500 });
  const outcome = await run(
    clock,
    callWithinBudget(async () => {
      attempts++;
      throw failure;
    }, policy(clock, { budgetMs: 60_000 })),
  );
  expect(attempts).toBe(3);
  expect(outcome.error).toBe(failure);
});

it('an answer that refuses the request is not retried: a 400 or a card decline will not change', async () => {
  const clock = manualClock();
  for (const refusal of [
    new Stripe.errors.StripeInvalidRequestError({ message: 'No such checkout session', statusCode: 404 }),
    new Stripe.errors.StripeCardError({ message: 'Your card was declined.', statusCode: 402 }),
    new Stripe.errors.StripeAPIError({ message: 'Stripe says no', statusCode: 500, headers: { 'stripe-should-retry': 'false' } }),
  ]) {
    let attempts = 0;
    const outcome = await run(
      clock,
      callWithinBudget(async () => {
        attempts++;
        throw refusal;
      }, policy(clock)),
    );
    expect({ attempts, error: outcome.error }).toEqual({ attempts: 1, error: refusal });
  }
  expect(clock.sleeps).toEqual([]);
});

it('a call that answers in time leaves no timer behind', async () => {
  const clock = manualClock();
  const outcome = await run(clock, callWithinBudget(async () => 'listed', policy(clock)));
  expect(outcome.value).toBe('listed');
  expect(clock.wakeNext()).toBe(false);
});

it('withBudget gives the same client another budget; the request path’s default is 10 s', () => {
  const stripe = new Stripe('sk_test_budget');
  const gateway = new StripeGateway(stripe);
  const background = gateway.withBudget(60_000);
  expect([gateway.budgetMs, background.budgetMs]).toEqual([10_000, 60_000]);
  expect(background.stripe).toBe(stripe);
});
