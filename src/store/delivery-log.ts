import type { Selectable } from 'kysely';
import type { StoreContext, WebhookDeliveriesTable } from './database.js';
import { toNumber } from './database.js';
import type { DeliveryLogRepository, DeliveryOutcome, NewWebhookDelivery, WebhookDelivery } from './types.js';

function toDelivery(row: Selectable<WebhookDeliveriesTable>): WebhookDelivery {
  return {
    id: toNumber(row.id),
    receivedAt: toNumber(row.received_at),
    sourceAddress: row.source_address,
    outcome: row.outcome as DeliveryOutcome,
    reason: row.reason,
    eventId: row.event_id,
    eventType: row.event_type,
    signatureHeader: row.signature_header,
  };
}

const ACCEPTED: ReadonlySet<DeliveryOutcome> = new Set(['stored', 'duplicate']);

function deliveryRow(entry: NewWebhookDelivery) {
  const accepted = ACCEPTED.has(entry.outcome);
  return {
    received_at: entry.receivedAt,
    source_address: entry.sourceAddress,
    outcome: entry.outcome,
    reason: entry.reason,
    event_id: entry.eventId,
    event_type: entry.eventType,
    // Whatever the caller passes, a rejected request's header is not kept.
    signature_header: accepted ? entry.signatureHeader : null,
  };
}

export function deliveryLogRepository({ db }: StoreContext): DeliveryLogRepository {
  async function recordMany(entries: readonly NewWebhookDelivery[]): Promise<void> {
    // Well under both dialects' bound-parameter limits (8 columns a row).
    for (let start = 0; start < entries.length; start += 500) {
      await db
        .insertInto('webhook_deliveries')
        .values(entries.slice(start, start + 500).map(deliveryRow))
        .execute();
    }
  }

  return {
    record: (entry) => recordMany([entry]),
    recordMany,

    async list({ limit, outcome, eventId }) {
      const rows = await db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .$if(outcome !== undefined, (q) => q.where('outcome', '=', outcome as string))
        .$if(eventId !== undefined, (q) => q.where('event_id', '=', eventId as string))
        .orderBy('received_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toDelivery);
    },

    async prune({ receivedBefore }) {
      const result = await db.deleteFrom('webhook_deliveries').where('received_at', '<', receivedBefore).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
