import { describe, expect, it } from 'vitest';
import { bucketize, paymentsChart } from '../../../../src/http/admin/chart.js';
import { majorAmount, parseMajorAmount } from '../../../../src/http/admin/views.js';

describe('refund amounts typed by an operator', () => {
  it('are read in the order currency’s minor units', () => {
    expect(parseMajorAmount('5', 'usd')).toBe(500);
    expect(parseMajorAmount('5.5', 'usd')).toBe(550);
    expect(parseMajorAmount(' 12.00 ', 'usd')).toBe(1200);
    expect(parseMajorAmount('500', 'jpy')).toBe(500);
    expect(parseMajorAmount('1.234', 'kwd')).toBe(1234);
  });

  it('refuse anything that is not a plain amount with at most the currency’s decimals', () => {
    for (const text of ['', 'abc', '-1', '1e3', '1.234', '1,00', '0x10']) expect(parseMajorAmount(text, 'usd'), text).toBeUndefined();
    expect(parseMajorAmount('5.5', 'jpy')).toBeUndefined();
  });

  it('are shown back in the same form', () => {
    expect(majorAmount(1200, 'usd')).toBe('12.00');
    expect(majorAmount(500, 'jpy')).toBe('500');
  });
});

describe('the payments chart', () => {
  const HOUR = 3600_000;
  const now = Date.UTC(2026, 10, 25, 16, 30);

  it('counts payments and failures into hourly buckets ending at now and drops older ones', () => {
    const buckets = bucketize({ payments: [now - 1000, now - 1000, now - 2 * HOUR, now - 30 * HOUR], failures: [now - HOUR], now, bucketMs: HOUR, count: 24 });
    expect(buckets).toHaveLength(24);
    expect(buckets.at(-1)).toMatchObject({ startsAt: Date.UTC(2026, 10, 25, 16), payments: 2, failures: 0 });
    expect(buckets.at(-2)).toMatchObject({ payments: 0, failures: 1 });
    expect(buckets.at(-3)).toMatchObject({ payments: 1, failures: 0 });
    expect(buckets.reduce((sum, bucket) => sum + bucket.payments, 0)).toBe(3);
  });

  it('is an SVG image whose title states the totals', () => {
    const svg = paymentsChart(bucketize({ payments: [now], failures: [now, now], now, bucketMs: HOUR, count: 24 }), () => 'x');
    expect(svg).toMatch(/<svg[^>]+role="img"/);
    expect(svg).toContain('1 paid, 2 failed');
    expect(svg).not.toContain('<script');
  });
});
