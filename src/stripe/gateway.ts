import Stripe from 'stripe';
import type { OrderTerms } from '../domain/order.js';
import { callWithinBudget, DEFAULT_CALL_POLICY, type AttemptOptions, type CallPolicy } from './call-budget.js';

export interface StripeConnection {
  readonly secretKey: string;
  /** Points the SDK somewhere other than api.stripe.com, e.g. the emulator at http://127.0.0.1:12111. */
  readonly apiBase?: string | undefined;
}

export function createStripeClient(connection: StripeConnection): Stripe {
  // For callers of the bare client (doctor, endpoint registration); StripeGateway sets both per attempt.
  const options: Stripe.StripeConfig = { maxNetworkRetries: 2, timeout: 20_000, telemetry: false };
  if (connection.apiBase) {
    const base = new URL(connection.apiBase);
    options.host = base.hostname;
    options.port = base.port || (base.protocol === 'https:' ? '443' : '80');
    options.protocol = base.protocol === 'https:' ? 'https' : 'http';
  }
  return new Stripe(connection.secretKey, options);
}

function orderMetadata(order: OrderTerms): Record<string, string> {
  return { order_id: order.id, order_ref: order.orderRef };
}

/**
 * Every call settled makes to Stripe, in one place, with an idempotency key derived from the order. Each call
 * ends within the gateway's budget, retries included (10 s unless told); the request path and background work
 * each get a gateway with their own budget over the same client (withBudget).
 */
export class StripeGateway {
  private readonly policy: CallPolicy;

  constructor(
    readonly stripe: Stripe,
    policy: Partial<CallPolicy> = {},
  ) {
    this.policy = { ...DEFAULT_CALL_POLICY, ...policy };
  }

  /** How long one call may take, every attempt and wait included. */
  get budgetMs(): number {
    return this.policy.budgetMs;
  }

  /** The same client and retry policy with another budget. */
  withBudget(budgetMs: number): StripeGateway {
    return new StripeGateway(this.stripe, { ...this.policy, budgetMs });
  }

  private call<T>(request: (attempt: AttemptOptions) => Promise<T>): Promise<T> {
    return callWithinBudget(request, this.policy);
  }

  async createCheckoutSession(input: { order: OrderTerms; successUrl: string; cancelUrl: string }): Promise<{ id: string; url: string }> {
    const { order } = input;
    const session = await this.call((attempt) => this.stripe.checkout.sessions.create(
      {
        mode: 'payment',
        // A line priced from a Stripe Price is sold as that Price; every other line carries its server-side price.
        line_items: order.lines.map((line) =>
          line.stripePrice
            ? { quantity: line.quantity, price: line.stripePrice }
            : { quantity: line.quantity, price_data: { currency: line.currency, unit_amount: line.unitAmount, product_data: { name: line.name } } },
        ),
        success_url: input.successUrl,
        cancel_url: input.cancelUrl,
        client_reference_id: order.id,
        ...(order.email ? { customer_email: order.email } : {}),
        metadata: orderMetadata(order),
        payment_intent_data: { metadata: orderMetadata(order) },
      },
      { idempotencyKey: `settled-checkout-${order.id}`, ...attempt },
    ));
    if (!session.url) throw new Error(`Stripe returned checkout session ${session.id} without a url`);
    return { id: session.id, url: session.url };
  }

  async createPaymentIntent(order: OrderTerms): Promise<{ id: string; clientSecret: string }> {
    const intent = await this.call((attempt) => this.stripe.paymentIntents.create(
      {
        amount: order.total.amount,
        currency: order.total.currency,
        metadata: orderMetadata(order),
        automatic_payment_methods: { enabled: true },
        ...(order.email ? { receipt_email: order.email } : {}),
      },
      { idempotencyKey: `settled-payment-intent-${order.id}`, ...attempt },
    ));
    if (!intent.client_secret) throw new Error(`Stripe returned payment intent ${intent.id} without a client_secret`);
    return { id: intent.id, clientSecret: intent.client_secret };
  }

  retrieveCheckoutSession(id: string): Promise<Stripe.Checkout.Session> {
    return this.call((attempt) => this.stripe.checkout.sessions.retrieve(id, { expand: ['payment_intent'] }, attempt));
  }

  retrievePaymentIntent(id: string): Promise<Stripe.PaymentIntent> {
    return this.call((attempt) => this.stripe.paymentIntents.retrieve(id, {}, attempt));
  }

  retrieveCharge(id: string): Promise<Stripe.Charge> {
    return this.call((attempt) => this.stripe.charges.retrieve(id, {}, attempt));
  }

  retrieveDispute(id: string): Promise<Stripe.Dispute> {
    return this.call((attempt) => this.stripe.disputes.retrieve(id, {}, attempt));
  }

  /** A Price with its product (for the name); Stripe's 404 for an id it does not know is thrown as it came. */
  retrievePrice(id: string): Promise<Stripe.Price> {
    return this.call((attempt) => this.stripe.prices.retrieve(id, { expand: ['product'] }, attempt));
  }

  /** The active Prices with these lookup keys (at most 10, Stripe's limit per list), with their products. */
  async pricesByLookupKeys(lookupKeys: readonly string[]): Promise<Stripe.Price[]> {
    const page = await this.call((attempt) =>
      this.stripe.prices.list({ lookup_keys: [...lookupKeys], active: true, limit: 100, expand: ['data.product'] }, attempt),
    );
    return page.data;
  }

  /** One page of the Events API. */
  listEvents(params: Stripe.EventListParams): Promise<Stripe.ApiList<Stripe.Event>> {
    return this.call((attempt) => this.stripe.events.list(params, attempt));
  }

  async refund(input: { paymentIntentId: string; amount?: number; idempotencyKey: string }): Promise<Stripe.Refund> {
    return this.call((attempt) =>
      this.stripe.refunds.create(
        { payment_intent: input.paymentIntentId, ...(input.amount === undefined ? {} : { amount: input.amount }) },
        { idempotencyKey: input.idempotencyKey, ...attempt },
      ),
    );
  }
}
