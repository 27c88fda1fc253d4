import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function randomBase62(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length];
  return out;
}

// Stripe ids are a type prefix plus 24 base62 characters; Checkout Session ids are longer.
export function newId(prefix: string): string {
  if (prefix === 'cs_test') return `cs_test_${randomBase62(58)}`;
  return `${prefix}_${randomBase62(24)}`;
}

export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('hex')}`;
}
