/**
 * Every place where conformance knowingly accepts a difference between Stripe's OpenAPI description
 * (spec3, API version 2024-04-10) and the fixtures (fixtures3.json, 2026-08-21). The emulator follows
 * the fixtures; the spec checks types, enums and required fields. Nothing else is relaxed.
 *
 * Fields the fixtures have and the 2024 spec lacks (e.g. `checkout.session.adaptive_pricing`) need no
 * entry: the spec never forbids additional properties, and the exact top-level field set is checked
 * against the fixture instead.
 */

export interface SchemaDrift {
  /** Component schema name in the spec. */
  schema: string;
  /** Fields the 2024 spec requires that the 2026 API no longer returns. */
  notRequired?: string[];
  /** Enum values the 2026 API returns that the 2024 spec does not list. */
  extraEnumValues?: Record<string, string[]>;
  reason: string;
}

export const SCHEMA_DRIFT: readonly SchemaDrift[] = [
  {
    schema: 'discount',
    notRequired: ['coupon'],
    reason: 'after 2024-04-10 the coupon moved to discount.source.coupon (see fixtures3 customer.discount)',
  },
];

/**
 * Top-level fields that the official SDK's types (stripe 23, pinned API version 2026-10-28.endive,
 * which is what the emulator's events carry) declare as always present, but that the fixtures
 * (2026-08-21) predate. The emulator types its objects with the SDK, so they belong to the exact field
 * set: expected = fixture fields + these.
 */
export const NEWER_FIELDS: Readonly<Record<string, readonly string[]>> = {
  'checkout.session': ['allowed_payment_method_types'],
  payment_intent: ['allowed_payment_method_types', 'payment_record'],
  dispute: ['intended_submission_method'],
  product: ['tax_details'],
};

/**
 * Top-level fields that are legitimately absent from the fixture object but present in some
 * responses. A test that expects one of them asserts its presence itself.
 */
export const CONDITIONAL_FIELDS: Readonly<Record<string, Record<string, string>>> = {
  'checkout.session': {
    line_items: 'includable: present only when the request asked for expand[]=line_items',
  },
  payment_intent: {
    charges: 'the list of its charges, returned only to requests pinned to an API version before 2022-11-15',
  },
  refund: {
    failure_reason: 'present only once a refund has failed (optional in the spec and the SDK types)',
    failure_balance_transaction: 'present only once a refund has failed (optional in the spec and the SDK types)',
  },
  webhook_endpoint: {
    secret: 'the signing secret is returned only by the create call',
  },
};

/**
 * Resources with one type-specific field named by their `type`: the fixture is a card, so its `card`
 * field stands for whichever type the object has (`sepa_debit` for a SEPA Direct Debit method).
 */
export const TYPE_NAMED_FIELDS: Readonly<Record<string, { fixtureType: string }>> = {
  payment_method: { fixtureType: 'card' },
};

/**
 * Operations Stripe serves and its tools call, but that the public OpenAPI description leaves out. Each is
 * checked like a published one: its success body against `responseSchema`, its errors against `error`.
 */
export interface UnpublishedOperation {
  method: 'get' | 'post' | 'delete';
  template: string;
  responseSchema: string;
  reason: string;
}

export const UNPUBLISHED_OPERATIONS: readonly UnpublishedOperation[] = [
  {
    method: 'post',
    template: '/v1/events/{id}/retry',
    responseSchema: 'event',
    reason: "the Stripe CLI's `events resend` calls it (stripe-cli pkg/cmd/resources); it answers the event",
  },
];
