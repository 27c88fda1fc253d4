import { describe, expect, it } from 'vitest';
import { AllowListError, createSourceAllowList, parseStripeIpsFile } from '../../../src/ingest/source-allowlist.js';
import { STRIPE_WEBHOOK_IPS } from '../../../src/ingest/stripe-webhook-ips.js';

describe('webhook source allow-list', () => {
  it('admits listed addresses and blocks, IPv4 and IPv6, and nothing else', () => {
    const allowed = createSourceAllowList(['3.18.12.63', '10.0.0.0/8', '2001:db8::/32']);
    expect(allowed('3.18.12.63')).toBe(true);
    expect(allowed('10.200.1.1')).toBe(true);
    expect(allowed('2001:db8::1')).toBe(true);
    expect(allowed('3.18.12.64')).toBe(false);
    expect(allowed('11.0.0.1')).toBe(false);
    expect(allowed('2001:db9::1')).toBe(false);
    expect(allowed(null)).toBe(false);
    expect(allowed('not an address')).toBe(false);
  });

  it('sees an IPv4 client behind a dual-stack socket as its IPv4 address', () => {
    expect(createSourceAllowList(['127.0.0.1'])('::ffff:127.0.0.1')).toBe(true);
  });

  it('names the entry it cannot read', () => {
    expect(() => createSourceAllowList(['1.2.3.4', 'stripe.com'])).toThrow(new AllowListError('"stripe.com" is not an IP address or CIDR block'));
    expect(() => createSourceAllowList(['10.0.0.0/33'])).toThrow(/invalid prefix length/);
    expect(() => createSourceAllowList(['10.0.0.0/8/1'])).toThrow(AllowListError);
  });

  it('ships Stripe’s published list, and reads a newer copy in Stripe’s own format', () => {
    const allowed = createSourceAllowList(STRIPE_WEBHOOK_IPS);
    expect(STRIPE_WEBHOOK_IPS).toHaveLength(12);
    expect(allowed('54.187.216.72')).toBe(true);
    expect(parseStripeIpsFile({ WEBHOOKS: ['1.1.1.1', '2.2.2.2'] })).toEqual(['1.1.1.1', '2.2.2.2']);
    expect(() => parseStripeIpsFile({ API: ['1.1.1.1'] })).toThrow(/WEBHOOKS/);
    expect(() => parseStripeIpsFile({ WEBHOOKS: ['1.1.1.1', 'x'] })).toThrow(/WEBHOOKS/);
  });
});
