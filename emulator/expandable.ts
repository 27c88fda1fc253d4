/**
 * The fields `expand[]` may follow, per object type the emulator serves. Each one is listed under the
 * type's `x-expandableFields` in Stripe's OpenAPI description (test/conformance holds this table to it);
 * a field that is not here answers 400, as Stripe does for `expand[]=mode` on a checkout session.
 *
 * Most entries hold an id that expands into the object it names. A few are embedded objects a path
 * may pass through (`item.price` for `data.price.product`, `charge.refunds`).
 */
const EXPANDABLE_FIELDS: { readonly [objectType: string]: readonly string[] } = {
  // line_items is includable, not an id: resources/checkout-sessions.ts builds it on retrieve.
  'checkout.session': ['customer', 'invoice', 'payment_intent', 'payment_link', 'setup_intent', 'subscription'],
  payment_intent: ['application', 'customer', 'invoice', 'latest_charge', 'on_behalf_of', 'payment_method', 'review'],
  charge: [
    'application', 'application_fee', 'balance_transaction', 'customer', 'failure_balance_transaction', 'invoice',
    'on_behalf_of', 'payment_intent', 'refunds', 'review', 'source_transfer', 'transfer',
  ],
  refund: ['balance_transaction', 'charge', 'failure_balance_transaction', 'payment_intent', 'source_transfer_reversal', 'transfer_reversal'],
  dispute: ['charge', 'payment_intent'],
  payment_method: ['customer'],
  customer: ['default_source', 'test_clock'],
  price: ['product'],
  product: ['default_price', 'tax_code'],
  item: ['price'],
  // Nothing on these is an id the emulator can expand.
  event: [],
  webhook_endpoint: [],
};

/** The expandable fields of one object type (none for a type the emulator does not know). */
export function expandableFieldsOf(objectType: string): readonly string[] {
  return Object.hasOwn(EXPANDABLE_FIELDS, objectType) ? (EXPANDABLE_FIELDS[objectType] ?? []) : [];
}

/** Every object type the table describes, for the conformance test that compares it with the spec. */
export function expandableObjectTypes(): readonly string[] {
  return Object.keys(EXPANDABLE_FIELDS);
}

export function isExpandable(objectType: unknown, field: string): boolean {
  return typeof objectType === 'string' && expandableFieldsOf(objectType).includes(field);
}
