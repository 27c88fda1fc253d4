/** The API version requests get when they pin none (stripe-node 23's pinned version); `apiVersion` overrides it. */
export const DEFAULT_API_VERSION = '2026-10-28.endive';

/**
 * The changes between 2020-08-27 and today that the emulator honours for Checkout and PaymentIntents
 * (docs.stripe.com/upgrades). A request pinned before `since` gets the old behaviour; emulator/README.md
 * renders this table.
 */
export const VERSIONED_CHANGES = {
  /** Checkout creates the session's PaymentIntent when the buyer pays, not with the session. */
  lazyCheckoutIntent: '2022-08-01',
  /** Checkout in payment mode creates a Customer only if required (`customer_creation: if_required`), not always. */
  checkoutCustomerIfRequired: '2022-08-01',
  /** PaymentIntent loses `charges` (a list of its charges); `latest_charge` remains. */
  intentWithoutCharges: '2022-11-15',
  /** A PaymentIntent created without `payment_method_types` turns on `automatic_payment_methods`. */
  automaticPaymentMethodsByDefault: '2023-08-16',
} as const;

export type VersionedChange = keyof typeof VERSIONED_CHANGES;

/** Versions compare by their date (`2024-06-20`, `2025-03-31.basil`); a version without one counts as today's. */
export function hasChange(apiVersion: string, change: VersionedChange): boolean {
  const date = /^\d{4}-\d{2}-\d{2}/.exec(apiVersion)?.[0];
  return date === undefined || date >= VERSIONED_CHANGES[change];
}
