import type { NewWebhookDelivery, WebhookRejectionCount } from '../store/types.js';
import { RejectionBudget } from './rejection-budget.js';
import type { DeliveryRecorder } from './webhook.js';

/**
 * The delivery log as the intake writes it: a row per request, except refused requests past the rejection budget,
 * which are counted by minute, address and reason. Anyone may send forgeries from many addresses; only the rows
 * they cost are bounded here. Stored and failed requests carry a verified signature and always get their row.
 */
export class BoundedDeliveryLog implements DeliveryRecorder {
  constructor(
    private readonly log: DeliveryRecorder,
    private readonly counts: { add(count: WebhookRejectionCount): Promise<void> },
    private readonly budget = new RejectionBudget(),
  ) {}

  record(entry: NewWebhookDelivery): Promise<void> {
    if (entry.outcome !== 'rejected') return this.log.record(entry);
    const reason = entry.reason ?? 'unknown';
    const admitted = this.budget.admit({ receivedAt: entry.receivedAt, sourceAddress: entry.sourceAddress, reason });
    if (admitted.kind === 'row') return this.log.record(entry);
    return this.counts.add({ minuteStart: admitted.minuteStart, sourceAddress: admitted.sourceAddress, reason, requests: 1 });
  }
}
