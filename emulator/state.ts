import type Stripe from 'stripe';
import type { TestMethod } from './test-cards.js';

/** The Event as this emulator stores and sends it (Stripe.Event is a union keyed by type; one shape serves all). */
export interface EventRecord {
  id: string;
  object: 'event';
  account?: string;
  api_version: string | null;
  context?: string;
  created: number;
  data: { object: StripeObject; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export type StripeObject = { id: string; object: string } & object;

export interface DeletedObject {
  id: string;
  object: string;
  deleted: true;
}

/** An in-memory table: ids in insertion order so that lists can be newest first without clock ties. */
export class Table<T extends { id: string }> {
  private rows = new Map<string, T>();

  get(id: string): T | undefined {
    return this.rows.get(id);
  }

  put(row: T): T {
    this.rows.set(row.id, row);
    return row;
  }

  delete(id: string): boolean {
    return this.rows.delete(id);
  }

  newestFirst(): T[] {
    return [...this.rows.values()].reverse();
  }

  clear(): void {
    this.rows.clear();
  }
}

export interface SessionExtras {
  lineItems: Stripe.LineItem[];
  expiryTimer: number | undefined;
  /** `payment_intent_data`, applied when the buyer first tries to pay. */
  intentMetadata: Record<string, string>;
  intentDescription: string | null;
  completedEventId?: string;
}

export class State {
  readonly sessions = new Table<Stripe.Checkout.Session>();
  readonly sessionExtras = new Map<string, SessionExtras>();
  readonly paymentIntents = new Table<Stripe.PaymentIntent>();
  readonly paymentMethods = new Table<Stripe.PaymentMethod>();
  readonly charges = new Table<Stripe.Charge>();
  readonly refunds = new Table<Stripe.Refund>();
  readonly disputes = new Table<Stripe.Dispute>();
  readonly events = new Table<EventRecord>();
  readonly webhookEndpoints = new Table<Stripe.WebhookEndpoint>();
  readonly customers = new Table<Stripe.Customer>();
  readonly products = new Table<Stripe.Product>();
  readonly prices = new Table<Stripe.Price>();
  /** Which checkout session created a payment intent, for async settlement and 3DS returns. */
  readonly sessionByPaymentIntent = new Map<string, string>();
  /** What each payment method does in test mode. */
  readonly methodBehaviour = new Map<string, TestMethod>();
  /** Kept apart from the endpoint objects because Stripe shows a secret only on create. */
  readonly webhookSecrets = new Map<string, string>();
  /** The API version each session or PaymentIntent was created in, for what the emulator later does to it unasked. */
  readonly apiVersions = new Map<string, string>();

  clear(): void {
    for (const table of [this.sessions, this.paymentIntents, this.paymentMethods, this.charges, this.refunds, this.disputes, this.events, this.webhookEndpoints, this.customers, this.products, this.prices]) {
      table.clear();
    }
    this.sessionExtras.clear();
    this.sessionByPaymentIntent.clear();
    this.webhookSecrets.clear();
    this.methodBehaviour.clear();
    this.apiVersions.clear();
  }

  /** Finds any object by id, for `expand[]`. */
  lookup(id: string): StripeObject | undefined {
    const tables: Array<Table<StripeObject>> = [
      this.sessions, this.paymentIntents, this.paymentMethods, this.charges, this.refunds, this.disputes,
      this.events, this.webhookEndpoints, this.customers, this.products, this.prices,
    ] as unknown as Array<Table<StripeObject>>;
    for (const table of tables) {
      const found = table.get(id);
      if (found) return found;
    }
    return undefined;
  }
}
