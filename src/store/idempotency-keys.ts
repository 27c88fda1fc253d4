import type { StoreContext } from './database.js';
import { toNumber } from './database.js';
import type { IdempotencyKeyRepository, IdempotencyReservation } from './types.js';

export function idempotencyKeyRepository({ db }: StoreContext): IdempotencyKeyRepository {
  return {
    async reserve({ key, requestHash, now, leaseMs }): Promise<IdempotencyReservation> {
      // One statement decides who answers: a new key, or one whose first request died mid-way (its lease ran out)
      // and is retried with the same body. Everyone else reads what is there.
      const taken = await db
        .insertInto('api_idempotency_keys')
        .values({ idempotency_key: key, request_hash: requestHash, status: 'running', locked_until: now + leaseMs, created_at: now })
        .onConflict((oc) =>
          oc
            .column('idempotency_key')
            .doUpdateSet((eb) => ({ locked_until: eb.ref('excluded.locked_until') }))
            .where((eb) =>
              eb.and([
                eb('api_idempotency_keys.status', '=', 'running'),
                eb('api_idempotency_keys.locked_until', '<=', now),
                eb('api_idempotency_keys.request_hash', '=', requestHash),
              ]),
            ),
        )
        .returning('idempotency_key')
        .executeTakeFirst();
      if (taken !== undefined) return { kind: 'reserved' };
      const row = await db.selectFrom('api_idempotency_keys').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
      if (row === undefined) return { kind: 'in_progress' };
      if (row.request_hash !== requestHash) return { kind: 'mismatch' };
      if (row.status === 'done' && row.response_status !== null && row.response_body !== null) {
        return { kind: 'answered', status: toNumber(row.response_status), body: row.response_body };
      }
      return { kind: 'in_progress' };
    },

    async finish({ key, status, body }) {
      await db
        .updateTable('api_idempotency_keys')
        .set({ status: 'done', response_status: status, response_body: body })
        .where('idempotency_key', '=', key)
        .execute();
    },

    async release({ key }) {
      await db.deleteFrom('api_idempotency_keys').where('idempotency_key', '=', key).where('status', '=', 'running').execute();
    },
  };
}
