import { describe, expect, it } from 'vitest';
import { randomToken } from '../../src/random-token.js';

describe('randomToken', () => {
  it('gives base64url text of the bytes asked for, different each time, across refills of its pool', () => {
    const seen = new Set<string>();
    // 24-byte tokens: 170 of them use the 4 KB pool up and the next ones come from a refill.
    for (let n = 0; n < 1000; n += 1) {
      const token = randomToken(24);
      expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      seen.add(token);
    }
    expect(seen.size).toBe(1000);
    expect(Buffer.from(randomToken(16), 'base64url')).toHaveLength(16);
  });

  it('looks random: each bit of 2,000 tokens is set about half the time', () => {
    const ones = new Array<number>(24 * 8).fill(0);
    for (let n = 0; n < 2000; n += 1) {
      const bytes = Buffer.from(randomToken(24), 'base64url');
      for (let bit = 0; bit < ones.length; bit += 1) if ((bytes[bit >> 3]! >> (bit & 7)) & 1) ones[bit]! += 1;
    }
    // A zeroed or repeated pool would put every count at 0 or 2,000; a fair bit lands within 1,000 ± 150 (6.7 sd).
    for (const count of ones) expect(Math.abs(count - 1000)).toBeLessThan(150);
  });

  it('refuses a size it cannot give', () => {
    expect(() => randomToken(0)).toThrow(RangeError);
    expect(() => randomToken(5000)).toThrow(/1 to 4096 bytes/);
  });
});
