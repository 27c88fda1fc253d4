import { describe, expect, it } from 'vitest';
import { isEventId, operatorAction } from '../../../src/domain/event-actions.js';
import { INBOX_STATUSES } from '../../../src/store/types.js';

describe('operator actions on inbox events', () => {
  it('a dead letter is retried, a finished event replayed, a waiting one left to the worker', () => {
    expect(Object.fromEntries(INBOX_STATUSES.map((status) => [status, operatorAction(status)]))).toEqual({
      pending: undefined,
      processing: undefined,
      processed: 'replay',
      ignored: 'replay',
      dead: 'retry',
    });
  });

  it("Stripe's and settled's own event ids are ids; paths and blanks are not", () => {
    expect(['evt_1Nabc', 'verify_cs_test_1', 'review_ord_1_ab12'].every(isEventId)).toBe(true);
    expect(['', 'ev', '../etc', 'evt 1', 'x'.repeat(256)].some(isEventId)).toBe(false);
  });
});
