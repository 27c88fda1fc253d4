/**
 * What `trigger <event>` creates: the same objects the Stripe CLI's fixtures create, as named steps whose
 * parameters `--add`, `--override` and `--remove` change (`--add checkout_session:metadata.order_id=42`).
 * `${step:path}` refers to an earlier step's answer. Paying on the hosted page and letting a bank debit settle
 * stand in for the Stripe CLI's private `payment_pages` calls.
 */
export type FixtureStep =
  | { name: string; kind: 'api'; method: 'post'; path: string; params: Record<string, unknown>; declineExpected?: boolean }
  | { name: string; kind: 'hosted_page'; session: string; field: 'card_number' | 'iban'; value: string }
  | { name: string; kind: 'settle' };

export interface Fixture {
  /** The event the fixture is for; it causes others too, as on Stripe. */
  event: string;
  steps: FixtureStep[];
}

const CLI_DESCRIPTION = '(created by settled emulator trigger)';

function paymentIntent(paymentMethod: string, confirm: boolean, declineExpected = false): FixtureStep {
  return {
    name: 'payment_intent',
    kind: 'api',
    method: 'post',
    path: '/v1/payment_intents',
    params: {
      amount: 2000,
      currency: 'usd',
      description: CLI_DESCRIPTION,
      payment_method_types: ['card'],
      ...(confirm ? { payment_method: paymentMethod, confirm: true } : {}),
    },
    declineExpected,
  };
}

function checkoutSession(currency: string, paymentMethodTypes: string[]): FixtureStep {
  return {
    name: 'checkout_session',
    kind: 'api',
    method: 'post',
    path: '/v1/checkout/sessions',
    params: {
      mode: 'payment',
      success_url: 'https://httpbin.org/post',
      cancel_url: 'https://httpbin.org/post',
      line_items: [{ price_data: { currency, product_data: { name: 'myproduct' }, unit_amount: 3000 }, quantity: 2 }],
      payment_method_types: paymentMethodTypes,
    },
  };
}

const pay = (field: 'card_number' | 'iban', value: string): FixtureStep => ({ name: 'payment_page', kind: 'hosted_page', session: 'checkout_session', field, value });

export const FIXTURES: readonly Fixture[] = [
  { event: 'payment_intent.succeeded', steps: [paymentIntent('pm_card_visa', true)] },
  { event: 'payment_intent.payment_failed', steps: [paymentIntent('pm_card_chargeDeclined', true, true)] },
  {
    event: 'payment_intent.canceled',
    steps: [paymentIntent('', false), { name: 'payment_intent_canceled', kind: 'api', method: 'post', path: '/v1/payment_intents/${payment_intent:id}/cancel', params: {} }],
  },
  {
    event: 'charge.refunded',
    steps: [paymentIntent('pm_card_visa', true), { name: 'refund', kind: 'api', method: 'post', path: '/v1/refunds', params: { payment_intent: '${payment_intent:id}' } }],
  },
  { event: 'charge.dispute.created', steps: [paymentIntent('pm_card_createDispute', true)] },
  { event: 'checkout.session.completed', steps: [checkoutSession('usd', ['card']), pay('card_number', '4242424242424242')] },
  {
    event: 'checkout.session.async_payment_succeeded',
    steps: [checkoutSession('eur', ['sepa_debit']), pay('iban', 'DE89370400440532013000'), { name: 'settle', kind: 'settle' }],
  },
  {
    event: 'checkout.session.async_payment_failed',
    steps: [checkoutSession('eur', ['sepa_debit']), pay('iban', 'DE62370400440532013001'), { name: 'settle', kind: 'settle' }],
  },
  {
    event: 'checkout.session.expired',
    steps: [checkoutSession('usd', ['card']), { name: 'checkout_session_expired', kind: 'api', method: 'post', path: '/v1/checkout/sessions/${checkout_session:id}/expire', params: {} }],
  },
];

export function findFixture(event: string): Fixture | undefined {
  return FIXTURES.find((fixture) => fixture.event === event);
}

/** `metadata.order_id`, `line_items[0].quantity` → ['metadata', 'order_id'], ['line_items', '0', 'quantity']. */
export function pathSegments(path: string): string[] {
  return path.match(/[^.[\]]+/g) ?? [];
}

export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const segments = pathSegments(path);
  let node: Record<string, unknown> = target;
  segments.slice(0, -1).forEach((segment, index) => {
    const next = node[segment];
    if (next === null || typeof next !== 'object') node[segment] = /^\d+$/.test(segments[index + 1] ?? '') ? [] : {};
    node = node[segment] as Record<string, unknown>;
  });
  const last = segments.at(-1);
  if (last !== undefined) node[last] = value;
}

export function removePath(target: Record<string, unknown>, path: string): void {
  const segments = pathSegments(path);
  let node: unknown = target;
  for (const segment of segments.slice(0, -1)) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
  const last = segments.at(-1);
  if (node && typeof node === 'object' && last !== undefined) delete (node as Record<string, unknown>)[last];
}

export function getPath(source: unknown, path: string): unknown {
  let node = source;
  for (const segment of pathSegments(path)) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
  return node;
}
