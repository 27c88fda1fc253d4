import { describeMoney } from './money.js';
import type { EntitlementState, OrderDerived, OrderStatus, OrderTerms } from './order.js';
import type { Fact, PaymentEvidenceFact } from './order-facts.js';
import { isPaymentEvidence } from './order-facts.js';
import { validatePayment } from './order-validation.js';

/**
 * An order's derived state as a pure function of the SET of its facts. Every step below is a min, a
 * max, an "any" or a per-id grouping, so repeating a fact or changing the order of arrival cannot change
 * the answer. Precedence (first match wins; docs/decisions/001-order-state-from-facts.md):
 *
 *   status              when
 *   needs_review        some payment evidence (or refund currency) fails validation, and no review_approved
 *   dispute_lost        payment accepted, and some dispute closed lost
 *   disputed            payment accepted, and some dispute opened with no close yet
 *   refunded            payment accepted, and refunded to date >= total
 *   partially_refunded  payment accepted, and refunded to date > 0
 *   paid                payment accepted (validated payment_succeeded, or any payment_succeeded once approved)
 *   expired             no accepted payment, and the session expired or the payment intent was canceled
 *   payment_failed      no accepted payment, and a payment failed (a retry can still pay)
 *   pending             otherwise (including payment_processing: the money has not moved yet)
 *
 *   entitlement: none until fulfilled; then active while the money state is paid/partially_refunded,
 *   revoked while it is refunded/disputed/dispute_lost (a won dispute restores it).
 */
export function decideOrder(terms: OrderTerms, facts: readonly Fact[]): OrderDerived {
  // A fact stamped for another order is a caller bug; it must not move this order.
  const own = facts.filter((fact) => fact.orderId === terms.id);
  const approved = own.some((fact) => fact.kind === 'review_approved');

  const problems: { fact: Fact; reason: string }[] = [];
  const accepted: PaymentEvidenceFact[] = [];
  for (const fact of own) {
    if (!isPaymentEvidence(fact)) continue;
    const result = validatePayment(terms, fact);
    if (result.kind === 'mismatch') problems.push({ fact, reason: result.reason });
    if (fact.kind === 'payment_succeeded' && (result.kind === 'ok' || approved)) accepted.push(fact);
  }

  const refunds = refundedToDate(terms, own);
  problems.push(...refunds.problems);

  // Fulfillment follows from having seen an accepted payment, whatever came after it (a refund, a
  // dispute, a second suspicious payment). That makes it monotone: once true for a set of facts it is
  // true for every superset, so each permutation of the same events fulfills exactly once.
  const fulfill = accepted.length > 0;
  const paidAt = fulfill ? Math.min(...accepted.map((fact) => fact.at)) : null;
  const moneyStatus = fulfill ? acceptedStatus(terms, own, refunds.amountRefunded) : unpaidStatus(own);
  const reviewReason = problems.length > 0 && !approved ? describeProblems(problems) : null;

  return {
    status: reviewReason === null ? moneyStatus : 'needs_review',
    amountRefunded: refunds.amountRefunded,
    paidAt,
    reviewReason,
    fulfill,
    entitlement: entitlementFor(fulfill, moneyStatus),
  };
}

function refundedToDate(terms: OrderTerms, facts: readonly Fact[]): { amountRefunded: number; problems: { fact: Fact; reason: string }[] } {
  // amount_refunded is cumulative on each charge, so the largest value seen per charge wins whatever
  // the order; an order paid through several charges refunds the sum over its charges.
  const largestByCharge = new Map<string, number>();
  const problems: { fact: Fact; reason: string }[] = [];
  for (const fact of facts) {
    if (fact.kind !== 'refunded_to_date') continue;
    if (fact.currency !== terms.total.currency) {
      problems.push({ fact, reason: `refund of ${describeMoney({ amount: fact.amountRefunded, currency: fact.currency })} on ${fact.chargeId} is not in the order's currency ${terms.total.currency}` });
      continue;
    }
    largestByCharge.set(fact.chargeId, Math.max(largestByCharge.get(fact.chargeId) ?? 0, fact.amountRefunded));
  }
  let amountRefunded = 0;
  for (const amount of largestByCharge.values()) amountRefunded += amount;
  return { amountRefunded, problems };
}

function acceptedStatus(terms: OrderTerms, facts: readonly Fact[], amountRefunded: number): OrderStatus {
  const opened = new Set<string>();
  const closed = new Set<string>();
  let lost = false;
  for (const fact of facts) {
    if (fact.kind === 'dispute_opened') opened.add(fact.disputeId);
    if (fact.kind === 'dispute_closed') {
      closed.add(fact.disputeId);
      if (fact.outcome === 'lost') lost = true;
    }
  }
  if (lost) return 'dispute_lost';
  for (const disputeId of opened) if (!closed.has(disputeId)) return 'disputed';
  if (amountRefunded >= terms.total.amount) return 'refunded';
  if (amountRefunded > 0) return 'partially_refunded';
  return 'paid';
}

function unpaidStatus(facts: readonly Fact[]): OrderStatus {
  // A canceled payment intent can never be paid again, so for the buyer it is the same end as expiry.
  if (facts.some((fact) => fact.kind === 'session_expired' || fact.kind === 'payment_canceled')) return 'expired';
  if (facts.some((fact) => fact.kind === 'payment_failed')) return 'payment_failed';
  return 'pending';
}

function entitlementFor(fulfilled: boolean, moneyStatus: OrderStatus): EntitlementState {
  if (!fulfilled) return 'none';
  return moneyStatus === 'paid' || moneyStatus === 'partially_refunded' ? 'active' : 'revoked';
}

function describeProblems(problems: readonly { fact: Fact; reason: string }[]): string {
  // The earliest problem leads (ties broken by key, then text) so the reason never depends on arrival order.
  const sorted = [...problems].sort(
    (a, b) => a.fact.at - b.fact.at || compareText(a.fact.key, b.fact.key) || compareText(a.reason, b.reason),
  );
  const first = sorted[0];
  if (first === undefined) return '';
  const others = new Set(sorted.map((problem) => problem.reason));
  others.delete(first.reason);
  return others.size === 0 ? first.reason : `${first.reason} (and ${others.size} more problem${others.size === 1 ? '' : 's'})`;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
