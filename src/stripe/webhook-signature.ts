import Stripe from 'stripe';

export type SignatureRejection =
  | 'missing_signature'
  | 'malformed_signature'
  | 'signature_mismatch'
  | 'stale_timestamp'
  | 'invalid_payload';

export type SignatureCheck =
  | { readonly kind: 'verified'; readonly event: Stripe.Event }
  | { readonly kind: 'rejected'; readonly code: SignatureRejection; readonly message: string };

// The SDK verifies without ever making a request; any key satisfies its constructor.
const verifier = new Stripe('sk_test_signature_verification_only');

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

function classify(error: unknown): SignatureRejection {
  if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
    const message = error.message;
    if (message.startsWith('Timestamp outside')) return 'stale_timestamp';
    if (message.startsWith('No stripe-signature header')) return 'missing_signature';
    if (message.startsWith('Unable to extract') || message.startsWith('No signatures found with expected scheme')) {
      return 'malformed_signature';
    }
    return 'signature_mismatch';
  }
  // Signature matched, but JSON.parse of the payload failed.
  return 'invalid_payload';
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
 * Verifies a webhook against every configured secret (several during rotation) with the official SDK.
 * A stale timestamp is only reported once a signature has matched: stripe-node checks the HMAC first.
 */
export function verifyWebhook(input: {
  rawBody: Buffer | string;
  signatureHeader: string | undefined;
  secrets: readonly string[];
  toleranceSeconds: number;
  nowMs: number;
}): SignatureCheck {
  const header = input.signatureHeader;
  if (header === undefined || header.trim() === '') return rejected('missing_signature');
  if (input.rawBody.length === 0) return rejected('invalid_payload');
  let best: SignatureRejection = 'signature_mismatch';
  for (const secret of input.secrets) {
    try {
      const event = verifier.webhooks.constructEvent(
        input.rawBody,
        header,
        secret,
        input.toleranceSeconds,
        undefined,
        input.nowMs,
      );
      return looksLikeEvent(event) ? { kind: 'verified', event } : rejected('invalid_payload');
    } catch (error) {
      const code = classify(error);
      // A matching signature (stale or bad JSON) says more than a mismatch under another secret.
      if (code !== 'signature_mismatch') best = code;
      if (code === 'invalid_payload' || code === 'missing_signature' || code === 'malformed_signature') return rejected(code);
    }
  }
  return rejected(best);
}
