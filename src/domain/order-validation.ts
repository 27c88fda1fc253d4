import { describeMoney } from './money.js';
import type { OrderTerms } from './order.js';
import type { PaymentEvidence } from './order-facts.js';
import { constantTimeEqual } from './order-ref.js';

export type PaymentValidation = { readonly kind: 'ok' } | { readonly kind: 'mismatch'; readonly reason: string };

/**
 * Checks what a Stripe object says was paid against what the order promised. Every problem is named,
 * so the operator reviewing the order sees all of them at once.
 */
export function validatePayment(terms: OrderTerms, evidence: PaymentEvidence): PaymentValidation {
  const problems: string[] = [];
  if (evidence.amount !== terms.total.amount || evidence.currency !== terms.total.currency) {
    problems.push(`amount ${describeMoney(evidence)} does not match the order's ${describeMoney(terms.total)}`);
  }
  if (evidence.orderRef === null) {
    problems.push('the payment carries no metadata.order_ref, so settled did not create it for this order');
  } else if (!constantTimeEqual(evidence.orderRef, terms.orderRef)) {
    problems.push("metadata.order_ref does not match the order's reference (created for another order or altered)");
  }
  if (evidence.checkoutSessionId !== null && evidence.checkoutSessionId !== terms.checkoutSessionId) {
    problems.push(`checkout session ${evidence.checkoutSessionId} is not the order's session (${terms.checkoutSessionId ?? 'none recorded'})`);
  }
  if (evidence.paymentIntentId !== null && terms.paymentIntentId !== null && evidence.paymentIntentId !== terms.paymentIntentId) {
    problems.push(`payment intent ${evidence.paymentIntentId} is not the order's payment intent ${terms.paymentIntentId}`);
  }
  return problems.length === 0 ? { kind: 'ok' } : { kind: 'mismatch', reason: problems.join('; ') };
}
