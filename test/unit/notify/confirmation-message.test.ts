import { describe, expect, it } from 'vitest';
import { buildConfirmation } from '../../../src/notify/confirmation-message.js';

const order = {
  id: 'ord_123',
  email: 'buyer@example.com',
  total: { amount: 3498, currency: 'usd' },
  lines: [
    { sku: 'field-notes', name: 'Field Notes', quantity: 2, unitAmount: 999, currency: 'usd' },
    { sku: 'poster', name: 'Poster', quantity: 1, unitAmount: 1500, currency: 'usd' },
  ],
};

describe('buildConfirmation', () => {
  it('names the order, each line with its price, the formatted total and the access link', () => {
    const message = buildConfirmation({ order, accessToken: 'tok_abc', publicUrl: 'https://shop.example/' });
    expect(message.orderId).toBe('ord_123');
    expect(message.to).toBe('buyer@example.com');
    expect(message.subject).toContain('ord_123');
    expect(message.text).toContain('Order: ord_123');
    expect(message.text).toContain('2 × Field Notes ($9.99 each)');
    expect(message.text).toContain('1 × Poster ($15.00 each)');
    expect(message.text).toContain('Total: $34.98');
    expect(message.text).toContain('https://shop.example/access/tok_abc');
  });

  it('formats zero-decimal currencies in whole units', () => {
    const yen = { ...order, total: { amount: 500, currency: 'jpy' }, lines: [{ sku: 'a', name: 'A', quantity: 1, unitAmount: 500, currency: 'jpy' }] };
    expect(buildConfirmation({ order: yen, accessToken: 't', publicUrl: 'http://x' }).text).toContain('Total: ¥500');
  });

  it('keeps a message for an order without an email, addressed to no one', () => {
    const message = buildConfirmation({ order: { ...order, email: null }, accessToken: 't', publicUrl: 'http://x' });
    expect(message.to).toBeNull();
    expect(message.text).toContain('http://x/access/t');
  });
});
