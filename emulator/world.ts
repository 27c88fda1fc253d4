import type Stripe from 'stripe';
import { hasChange, type VersionedChange } from './api-versions.js';
import type { Clock } from './clock.js';
import type { Delivery } from './delivery.js';
import { invalidRequest } from './errors.js';
import { isExpandable } from './expandable.js';
import { stringList, type Params } from './form.js';
import { newId } from './ids.js';
import type { EventRecord, State, StripeObject } from './state.js';


/** Who caused a state change: an API request (its id and idempotency key) or the emulator itself. */
export interface Cause {
  requestId: string | null;
  idempotencyKey: string | null;
  apiVersion: string | null;
}

export const AUTOMATIC: Cause = { requestId: null, idempotencyKey: null, apiVersion: null };

export interface WorldConfig {
  /** Seconds after which a delayed (SEPA-like) payment settles, on the emulated clock. */
  asyncSettleSeconds: number;
  /** Checkout holds the buyer's redirect until the first attempt at checkout.session.completed, up to this long (0: not at all). */
  checkoutWebhookWaitMs: number;
  /** The account's default API version, for requests that pin none. */
  apiVersion: string;
  /** The account's country, which decides the payment method types it may use. */
  accountCountry: string;
}

/** Everything a resource needs: the tables, the clock, event emission and the public base URL. */
export class World {
  baseUrl = '';
  /** The signing secret every `listen` endpoint shares, as the Stripe CLI's is one per device. */
  listenSecret = '';
  /** Told when a delayed (SEPA-like) payment settles, so the checkout session can follow. */
  readonly asyncSettledListeners: Array<(intent: Stripe.PaymentIntent, succeeded: boolean, cause: Cause) => void> = [];

  constructor(
    readonly state: State,
    readonly clock: Clock,
    readonly delivery: Delivery,
    readonly config: WorldConfig,
  ) {}

  now(): number {
    return this.clock.nowSeconds();
  }

  /** The API version a change is rendered in: the request's, else the one its object was made with, else the account's. */
  versionOf(cause: Cause): string {
    return cause.apiVersion ?? this.config.apiVersion;
  }

  has(cause: Cause, change: VersionedChange): boolean {
    return hasChange(this.versionOf(cause), change);
  }

  /** Remembers the version an object was created in, so that what the emulator later does to it on its own keeps it. */
  rememberVersion(objectId: string, cause: Cause): void {
    if (cause.apiVersion) this.state.apiVersions.set(objectId, cause.apiVersion);
  }

  /** A change the emulator makes by itself (a buyer on the hosted page, a timer) to the object `objectId`. */
  automaticFor(objectId: string | null | undefined): Cause {
    const apiVersion = objectId ? this.state.apiVersions.get(objectId) ?? null : null;
    return { ...AUTOMATIC, apiVersion };
  }

  /** A copy of `value` in the shapes of `apiVersion`: before 2022-11-15 a PaymentIntent carries its `charges`. */
  render<T>(value: T, apiVersion: string): T {
    if (hasChange(apiVersion, 'intentWithoutCharges')) return value;
    return this.withCharges(value) as T;
  }

  private withCharges(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.withCharges(item));
    if (!value || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = this.withCharges(item);
    if (out['object'] === 'payment_intent' && typeof out['id'] === 'string') {
      const id = out['id'];
      const data = this.state.charges.newestFirst().filter((charge) => charge.payment_intent === id);
      out['charges'] = { object: 'list', data: structuredClone(data), has_more: false, url: `/v1/charges?payment_intent=${id}` };
    }
    return out;
  }

  emit(type: string, object: StripeObject, cause: Cause, previousAttributes?: Record<string, unknown>): EventRecord {
    const apiVersion = this.versionOf(cause);
    const endpoints = this.state.webhookEndpoints
      .newestFirst()
      .filter((endpoint) => endpoint.status === 'enabled' && (endpoint.enabled_events.includes('*') || endpoint.enabled_events.includes(type)))
      .reverse();
    const event: EventRecord = {
      id: newId('evt'),
      object: 'event',
      api_version: apiVersion,
      created: this.now(),
      data: { object: this.render(structuredClone(object), apiVersion), ...(previousAttributes ? { previous_attributes: structuredClone(previousAttributes) } : {}) },
      livemode: false,
      pending_webhooks: endpoints.length,
      request: { id: cause.requestId, idempotency_key: cause.idempotencyKey },
      type,
    };
    this.state.events.put(event);
    this.delivery.enqueue(event, endpoints.map((endpoint) => endpoint.id));
    return event;
  }

  /**
   * Applies `expand[]` paths (dotted, e.g. `payment_intent.latest_charge`) to a copy of the object.
   * Each step must be expandable on the object it reaches (see expandable.ts), else 400 naming the path.
   */
  expand<T extends object>(object: T, params: Params): T {
    const paths = stringList(params, 'expand') ?? [];
    if (paths.length === 0) return object;
    const copy = structuredClone(object) as Record<string, unknown>;
    for (const path of paths) this.expandPath(copy, path.split('.'), path);
    return copy as T;
  }

  private expandPath(target: Record<string, unknown>, parts: string[], fullPath: string): void {
    const [head, ...rest] = parts;
    if (head === undefined) return;
    if (head === 'data' && Array.isArray(target['data'])) {
      for (const item of target['data'] as Array<Record<string, unknown>>) this.expandPath(item, rest, fullPath);
      return;
    }
    let value = target[head];
    if (!isExpandable(target['object'], head) || value === undefined) {
      throw invalidRequest(`This property cannot be expanded (${fullPath}).`, 'expand');
    }
    if (typeof value === 'string') {
      const found = this.state.lookup(value);
      if (!found) return;
      value = structuredClone(found);
      target[head] = value;
    }
    if (rest.length > 0 && value && typeof value === 'object') this.expandPath(value as Record<string, unknown>, rest, fullPath);
  }
}
