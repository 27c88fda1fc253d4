import { createHmac, timingSafeEqual } from 'node:crypto';
import type Stripe from 'stripe';

export type SignatureRejection =
  | 'missing_signature'
  | 'malformed_signature'
  | 'signature_mismatch'
  | 'stale_timestamp'
  | 'invalid_payload';

export type SignatureCheck =
  | { readonly kind: 'verified'; readonly event: Stripe.Event }
  | { readonly kind: 'rejected'; readonly code: SignatureRejection; readonly message: string };

const MESSAGES: Record<SignatureRejection, string> = {
  missing_signature: 'The Stripe-Signature header is missing. Send the request exactly as Stripe does.',
  malformed_signature: 'The Stripe-Signature header has no timestamp or no v1 signature.',
  signature_mismatch:
    'No v1 signature matches the raw body under any configured webhook secret. Check STRIPE_WEBHOOK_SECRET and that nothing rewrote the body.',
  stale_timestamp: 'The signature is valid but its timestamp is outside the tolerance window; a replayed or delayed request is refused.',
  invalid_payload: 'The body is signed correctly but is not a Stripe event JSON object.',
};

function rejected(code: SignatureRejection): SignatureCheck {
  return { kind: 'rejected', code, message: MESSAGES[code] };
}

interface SignatureHeader {
  /** Unix seconds Stripe signed at. */
  readonly timestamp: number;
  /** The v1 signatures, as bytes (null for one that is not a SHA-256 in hex: it matches nothing). */
  readonly signatures: readonly (Buffer | null)[];
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

/**
 * `t=<unix s>,v1=<hex>[,v1=<hex>…]`, read as Stripe writes it: any order, other schemes (the test-mode v0) ignored.
 * Read here, not inferred from the SDK's error wording, so that each refusal gets its code whatever the SDK says.
 */
export function parseSignatureHeader(header: string): SignatureHeader | undefined {
  let timestamp: number | undefined;
  const signatures: (Buffer | null)[] = [];
  for (const item of header.split(',')) {
    const separator = item.indexOf('=');
    if (separator < 0) continue;
    const scheme = item.slice(0, separator);
    const value = item.slice(separator + 1);
    if (scheme === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (scheme === 'v1') signatures.push(HEX_SHA256.test(value) ? Buffer.from(value, 'hex') : null);
  }
  return timestamp === undefined || signatures.length === 0 ? undefined : { timestamp, signatures };
}

/** Stripe's v1 scheme: HMAC-SHA256 of `${t}.${body}` under the secret (settled signs its own notifications so too). */
export function v1Signature(secret: string, timestampSeconds: number, body: string): Buffer {
  return createHmac('sha256', secret).update(`${timestampSeconds}.`).update(body, 'utf8').digest();
}

/** The v1 signature under the secret, compared with every v1 in constant time. */
function signedBy(secret: string, header: SignatureHeader, body: string): boolean {
  const expected = v1Signature(secret, header.timestamp, body);
  // Every signature is compared, matched or not, so the time taken says nothing about which one matched.
  let matched = false;
  for (const signature of header.signatures) if (signature !== null && timingSafeEqual(signature, expected)) matched = true;
  return matched;
}

function looksLikeEvent(value: unknown): value is Stripe.Event {
  if (typeof value !== 'object' || value === null) return false;
  const event = value as Record<string, unknown>;
  const data = event['data'] as Record<string, unknown> | undefined;
  return (
    typeof event['id'] === 'string' &&
    event['id'].length > 0 &&
    event['id'].length <= 255 &&
    typeof event['type'] === 'string' &&
    typeof event['created'] === 'number' &&
    typeof data === 'object' &&
    data !== null &&
    typeof data['object'] === 'object' &&
    data['object'] !== null
  );
}

/**
 * Verifies a webhook as Stripe specifies it (the same verdict as the SDK's constructEvent, held to it by a property
 * test): a v1 signature under any configured secret (several during rotation), then the timestamp — only an old one
 * is refused, as the SDK does — then the body must be a Stripe event.
 */
export function verifyWebhook(input: {
  rawBody: Buffer | string;
  signatureHeader: string | undefined;
  secrets: readonly string[];
  toleranceSeconds: number;
  nowMs: number;
}): SignatureCheck {
  const headerText = input.signatureHeader;
  if (headerText === undefined || headerText.trim() === '') return rejected('missing_signature');
  if (input.rawBody.length === 0) return rejected('invalid_payload');
  const header = parseSignatureHeader(headerText);
  if (header === undefined) return rejected('malformed_signature');
  const body = typeof input.rawBody === 'string' ? input.rawBody : input.rawBody.toString('utf8');
  if (!input.secrets.some((secret) => signedBy(secret, header, body))) return rejected('signature_mismatch');
  if (Math.floor(input.nowMs / 1000) - header.timestamp > input.toleranceSeconds) return rejected('stale_timestamp');
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    return rejected('invalid_payload');
  }
  return looksLikeEvent(event) ? { kind: 'verified', event } : rejected('invalid_payload');
}
