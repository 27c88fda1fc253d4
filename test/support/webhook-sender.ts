import Stripe from 'stripe';
import type { OrderTerms } from '../../src/domain/order.js';
import { inboxEvent, sessionFor } from './events.js';

const signer = new Stripe('sk_test_signer');

export interface SignedEvent {
  readonly id: string;
  readonly body: string;
}

/** The `checkout.session.completed` Stripe would send once `order` is paid, created now. */
export function paidEvent(order: OrderTerms, id = `evt_paid_${order.id}`): SignedEvent {
  return { id, body: inboxEvent(id, 'checkout.session.completed', sessionFor(order), Math.floor(Date.now() / 1000)).payload };
}

export interface DeliveryAnswer {
  readonly eventId: string;
  /** The HTTP status, or 0 when no answer came (refused, reset, timed out). */
  readonly status: number;
  readonly ms: number;
}

/**
 * Delivers events as Stripe does: signed at each attempt, again after any answer but a 2xx, until acknowledged or
 * the deadline. Every answer is kept, so a test can say what settled answered while a fault lasted.
 */
export class WebhookSender {
  readonly answers: DeliveryAnswer[] = [];
  readonly acknowledged = new Set<string>();

  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly options: { retryDelayMs?: number; attemptTimeoutMs?: number } = {},
  ) {}

  async deliver(event: SignedEvent, deadlineMs = 60_000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const status = await this.attempt(event);
      if (status >= 200 && status < 300) {
        this.acknowledged.add(event.id);
        return;
      }
      if (Date.now() > deadline) throw new Error(`event ${event.id} was not acknowledged within ${deadlineMs} ms; answers: ${this.describe(event.id)}`);
      await new Promise((resolve) => setTimeout(resolve, this.options.retryDelayMs ?? 100));
    }
  }

  /** Delivers all of them, `concurrency` at a time. */
  async deliverAll(events: readonly SignedEvent[], concurrency = 8, deadlineMs = 60_000): Promise<void> {
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < events.length) {
        const event = events[next++];
        if (event) await this.deliver(event, deadlineMs);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
  }

  /** The statuses seen, with how often each. */
  statusCounts(): Record<number, number> {
    const counts: Record<number, number> = {};
    for (const answer of this.answers) counts[answer.status] = (counts[answer.status] ?? 0) + 1;
    return counts;
  }

  private describe(eventId: string): string {
    return this.answers
      .filter((answer) => answer.eventId === eventId)
      .map((answer) => `${answer.status} (${answer.ms} ms)`)
      .join(', ');
  }

  private async attempt(event: SignedEvent): Promise<number> {
    const started = Date.now();
    let status = 0;
    try {
      const response = await fetch(`${this.url}/api/webhooks/stripe`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': signer.webhooks.generateTestHeaderString({ payload: event.body, secret: this.secret }) },
        body: event.body,
        signal: AbortSignal.timeout(this.options.attemptTimeoutMs ?? 10_000),
      });
      await response.arrayBuffer();
      status = response.status;
    } catch {
      status = 0;
    }
    this.answers.push({ eventId: event.id, status, ms: Date.now() - started });
    return status;
  }
}
