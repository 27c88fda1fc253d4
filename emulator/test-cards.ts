
export type DisputeReason = 'fraudulent' | 'product_not_received' | 'general';

// Stripe's documented test cards and payment method tokens, and how each one behaves.
export type CardOutcome =
  | { kind: 'succeed' }
  | { kind: 'decline'; code: string; declineCode: string | null; message: string }
  | { kind: 'dispute'; reason: DisputeReason; inquiry: boolean };

export interface TestCard {
  number: string;
  brand: 'visa' | 'mastercard' | 'amex';
  paymentMethodId: string;
  description: string;
  /** 3D Secure is requested before the outcome applies. */
  authenticate: boolean;
  outcome: CardOutcome;
  /** Refunds on this card start pending and then succeed, or succeed and then fail. */
  refundBehaviour?: 'pending_then_succeeded' | 'succeeded_then_failed';
}

const succeed: CardOutcome = { kind: 'succeed' };

function decline(code: string, declineCode: string | null, message: string): CardOutcome {
  return { kind: 'decline', code, declineCode, message };
}

export const TEST_CARDS: TestCard[] = [
  { number: '4242424242424242', brand: 'visa', paymentMethodId: 'pm_card_visa', description: 'Succeeds', authenticate: false, outcome: succeed },
  { number: '5555555555554444', brand: 'mastercard', paymentMethodId: 'pm_card_mastercard', description: 'Succeeds (Mastercard)', authenticate: false, outcome: succeed },
  { number: '378282246310005', brand: 'amex', paymentMethodId: 'pm_card_amex', description: 'Succeeds (American Express)', authenticate: false, outcome: succeed },
  { number: '4000000000000002', brand: 'visa', paymentMethodId: 'pm_card_chargeDeclined', description: 'Declined (generic_decline)', authenticate: false, outcome: decline('card_declined', 'generic_decline', 'Your card was declined.') },
  { number: '4000000000009995', brand: 'visa', paymentMethodId: 'pm_card_chargeDeclinedInsufficientFunds', description: 'Declined (insufficient_funds)', authenticate: false, outcome: decline('card_declined', 'insufficient_funds', 'Your card has insufficient funds.') },
  { number: '4000000000009987', brand: 'visa', paymentMethodId: 'pm_card_chargeDeclinedLostCard', description: 'Declined (lost_card)', authenticate: false, outcome: decline('card_declined', 'lost_card', 'Your card was declined.') },
  { number: '4000000000009979', brand: 'visa', paymentMethodId: 'pm_card_chargeDeclinedStolenCard', description: 'Declined (stolen_card)', authenticate: false, outcome: decline('card_declined', 'stolen_card', 'Your card was declined.') },
  { number: '4000000000000069', brand: 'visa', paymentMethodId: 'pm_card_chargeDeclinedExpiredCard', description: 'Declined (expired_card)', authenticate: false, outcome: decline('expired_card', null, 'Your card has expired.') },
  { number: '4000000000000127', brand: 'visa', paymentMethodId: 'pm_card_chargeDeclinedIncorrectCvc', description: 'Declined (incorrect_cvc)', authenticate: false, outcome: decline('incorrect_cvc', null, "Your card's security code is incorrect.") },
  { number: '4000000000000119', brand: 'visa', paymentMethodId: 'pm_card_chargeDeclinedProcessingError', description: 'Declined (processing_error)', authenticate: false, outcome: decline('processing_error', null, 'An error occurred while processing your card. Try again in a little bit.') },
  { number: '4000002500003155', brand: 'visa', paymentMethodId: 'pm_card_authenticationRequiredOnSetup', description: 'Asks for 3D Secure authentication, then succeeds', authenticate: true, outcome: succeed },
  { number: '4000002760003184', brand: 'visa', paymentMethodId: 'pm_card_authenticationRequired', description: 'Always asks for 3D Secure authentication, then succeeds', authenticate: true, outcome: succeed },
  { number: '4000008260003178', brand: 'visa', paymentMethodId: 'pm_card_authenticationRequiredChargeDeclinedInsufficientFunds', description: 'Asks for 3D Secure, then declines (insufficient_funds)', authenticate: true, outcome: decline('card_declined', 'insufficient_funds', 'Your card has insufficient funds.') },
  { number: '4000000000000259', brand: 'visa', paymentMethodId: 'pm_card_createDispute', description: 'Succeeds, then a fraudulent dispute opens', authenticate: false, outcome: { kind: 'dispute', reason: 'fraudulent', inquiry: false } },
  { number: '4000000000002685', brand: 'visa', paymentMethodId: 'pm_card_createDisputeProductNotReceived', description: 'Succeeds, then a product_not_received dispute opens', authenticate: false, outcome: { kind: 'dispute', reason: 'product_not_received', inquiry: false } },
  { number: '4000000000001976', brand: 'visa', paymentMethodId: 'pm_card_createDisputeInquiry', description: 'Succeeds, then an inquiry opens', authenticate: false, outcome: { kind: 'dispute', reason: 'fraudulent', inquiry: true } },
  { number: '4000000000007726', brand: 'visa', paymentMethodId: 'pm_card_pendingRefund', description: 'Succeeds; refunds start pending, then succeed', authenticate: false, outcome: succeed, refundBehaviour: 'pending_then_succeeded' },
  { number: '4000000000005126', brand: 'visa', paymentMethodId: 'pm_card_refundFail', description: 'Succeeds; refunds succeed, then fail', authenticate: false, outcome: succeed, refundBehaviour: 'succeeded_then_failed' },
];

export interface TestIban {
  iban: string;
  description: string;
  outcome: 'succeed' | 'fail';
}

export const TEST_IBANS: TestIban[] = [
  { iban: 'DE89370400440532013000', description: 'SEPA Direct Debit: processing, then succeeds', outcome: 'succeed' },
  { iban: 'DE62370400440532013001', description: 'SEPA Direct Debit: processing, then fails', outcome: 'fail' },
];

/** The method a buyer or API caller chose, resolved to the behaviour it has in test mode. */
export type TestMethod = { type: 'card'; card: TestCard } | { type: 'sepa_debit'; iban: TestIban };

export function normalizeCardNumber(input: string): string {
  return input.replace(/[\s-]/g, '');
}

export function findCardByNumber(input: string): TestCard | undefined {
  const number = normalizeCardNumber(input);
  return TEST_CARDS.find((card) => card.number === number);
}

export function findCardByToken(token: string): TestCard | undefined {
  return TEST_CARDS.find((card) => card.paymentMethodId === token);
}

export function findIban(input: string): TestIban | undefined {
  const iban = input.replace(/\s/g, '').toUpperCase();
  return TEST_IBANS.find((entry) => entry.iban === iban);
}

export function luhnValid(number: string): boolean {
  if (!/^\d{12,19}$/.test(number)) return false;
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let digit = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}
