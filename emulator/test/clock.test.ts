import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { Clock } from '../clock.js';
import { signPayload } from '../delivery.js';

describe('emulated clock', () => {
  it('fires timers in due order when advanced past them, and not before', () => {
    const clock = new Clock();
    const fired: string[] = [];
    const start = clock.nowMs();
    clock.at(start + 20_000, () => fired.push('b'));
    clock.at(start + 10_000, () => fired.push('a'));
    clock.at(start + 60_000, () => fired.push('c'));
    clock.advance(30);
    expect(fired).toEqual(['a', 'b']);
    expect(clock.nowMs() - start).toBeGreaterThanOrEqual(30_000);
    clock.stop();
  });

  it('a cancelled timer never fires, and a failing timer does not stop the others', () => {
    const errors: unknown[] = [];
    const clock = new Clock((error) => errors.push(error));
    const fired: string[] = [];
    const id = clock.after(1000, () => fired.push('cancelled'));
    clock.after(1000, () => {
      throw new Error('boom');
    });
    clock.after(2000, () => fired.push('after'));
    clock.cancel(id);
    clock.advance(5);
    expect(fired).toEqual(['after']);
    expect(errors).toHaveLength(1);
    clock.stop();
  });
});

describe('signatures', () => {
  it('signs exactly as Stripe does: the SDK\'s own test header matches', () => {
    const payload = JSON.stringify({ id: 'evt_1', object: 'event' });
    const secret = 'whsec_test';
    const header = signPayload(payload, secret, 1_700_000_000);
    const expected = Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: 1_700_000_000 });
    expect(header).toBe(expected);
  });
});

describe('stopped clock', () => {
  it('ignores timers scheduled after stop', () => {
    const clock = new Clock();
    clock.stop();
    const fired: string[] = [];
    clock.after(0, () => fired.push('late'));
    clock.advance(10);
    expect(fired).toEqual([]);
  });
});
