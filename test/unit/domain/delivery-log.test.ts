import { describe, expect, it } from 'vitest';
import { countedRejectionsApply, refusedDeliveries } from '../../../src/domain/delivery-log.js';

describe('delivery log summary', () => {
  it('counted rejections answer no filter, or "rejected", but never an event id or another outcome', () => {
    expect(countedRejectionsApply({})).toBe(true);
    expect(countedRejectionsApply({ outcome: 'rejected' })).toBe(true);
    expect(countedRejectionsApply({ outcome: 'stored' })).toBe(false);
    expect(countedRejectionsApply({ outcome: 'failed' })).toBe(false);
    expect(countedRejectionsApply({ eventId: 'evt_1' })).toBe(false);
    expect(countedRejectionsApply({ outcome: 'rejected', eventId: 'evt_1' })).toBe(false);
  });

  it('rejected and failed deliveries are the refused ones; stored and duplicates are not', () => {
    expect(refusedDeliveries(['stored', 'duplicate', 'rejected', 'failed', 'rejected'])).toBe(3);
    expect(refusedDeliveries([])).toBe(0);
  });
});
