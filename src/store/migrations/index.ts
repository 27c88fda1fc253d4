import type { Migration } from 'kysely';
import type { Dialect } from '../database.js';
import * as initial from './001-initial.js';
import * as deliveryLog from './002-delivery-log.js';
import * as deliveryBody from './003-delivery-body.js';
import * as leases from './004-leases.js';
import * as inboxIndexes from './005-inbox-indexes.js';
import * as payloadCompression from './006-payload-compression.js';
import * as webhookRejectionCounts from './007-webhook-rejection-counts.js';
import * as sidecarApi from './008-sidecar-api.js';
import * as refundRequests from './009-refund-requests.js';
import * as outboxIndexes from './010-outbox-indexes.js';
import * as inboxPayloads from './011-inbox-payloads.js';

/*
 * Listed here rather than found on disk, so the compiled dist/ migrates without a file-system scan.
 * Forward-only: a landed migration is never edited, only followed by the next number.
 */
export function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '001-initial': { up: (db) => initial.up(db, dialect) },
    '002-delivery-log': { up: (db) => deliveryLog.up(db, dialect) },
    '003-delivery-body': { up: (db) => deliveryBody.up(db) },
    '004-leases': { up: (db) => leases.up(db) },
    '005-inbox-indexes': { up: (db) => inboxIndexes.up(db) },
    '006-payload-compression': { up: (db) => payloadCompression.up(db, dialect) },
    '007-webhook-rejection-counts': { up: (db) => webhookRejectionCounts.up(db) },
    '008-sidecar-api': { up: (db) => sidecarApi.up(db, dialect) },
    '009-refund-requests': { up: (db) => refundRequests.up(db) },
    '010-outbox-indexes': { up: (db) => outboxIndexes.up(db) },
    '011-inbox-payloads': { up: (db) => inboxPayloads.up(db, dialect) },
  };
}
