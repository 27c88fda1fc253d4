import { describe, expect, it } from 'vitest';
import { ORDER_ID, newOrderId } from '../../../src/operations/checkout.js';
import { randomToken } from '../../../src/random-token.js';

const createdOf = (id: string): number => Number.parseInt(id.slice(4, 13), 36);

describe('order ids', () => {
  it('begin with when the order was made, then 22 characters of randomness', () => {
    const at = Date.UTC(2026, 11, 4, 15, 0, 0, 123);
    const id = newOrderId(at);
    expect(id).toMatch(/^ord_[0-9a-z]{9}[A-Za-z0-9_-]{22}$/);
    expect(createdOf(id)).toBe(at);
    expect(id.slice(4, 13)).toBe(at.toString(36).padStart(9, '0'));
  });

  it('sort as text in the order they were made, across a change in the number of base-36 digits', () => {
    const times = [0, 1, 35, 36, 1295, 1296, 1_700_000_000_000, 1_700_000_000_001, 2_821_109_907_455, 2_821_109_907_456];
    const ids = times.map((t) => newOrderId(t));
    expect([...ids].sort()).toEqual(ids);
    expect(ids.map(createdOf)).toEqual(times);
  });

  it('differ for orders made in the same millisecond', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newOrderId(1_764_860_400_000)));
    expect(ids.size).toBe(1000);
  });

  it('are recognised in both shapes: with their time, and as they were made before (22 random characters)', () => {
    expect(ORDER_ID.test(newOrderId(Date.now()))).toBe(true);
    expect(ORDER_ID.test(`ord_${randomToken(16)}`)).toBe(true);
    for (const bad of ['ord_', `ord_${randomToken(15)}`, `ord_0MI2XYZAB${randomToken(16)}`, `ord_${randomToken(16)}x`, `cs_${randomToken(16)}`, `ord_0mi2xyza${randomToken(16)}`]) {
      expect(ORDER_ID.test(bad), bad).toBe(false);
    }
  });
});
