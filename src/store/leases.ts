import type { StoreContext } from './database.js';
import type { LeaseRepository } from './types.js';

export function leaseRepository({ db }: StoreContext): LeaseRepository {
  return {
    async acquire({ name, holder, now, ttlMs }) {
      // One statement: a free or expired lease is taken, the holder's own is extended, anyone else's is left.
      const taken = await db
        .insertInto('leases')
        .values({ name, holder, expires_at: now + ttlMs })
        .onConflict((oc) =>
          oc
            .column('name')
            .doUpdateSet((eb) => ({ holder: eb.ref('excluded.holder'), expires_at: eb.ref('excluded.expires_at') }))
            .where((eb) => eb.or([eb('leases.expires_at', '<=', now), eb('leases.holder', '=', holder)])),
        )
        .returning('name')
        .executeTakeFirst();
      return taken !== undefined;
    },

    async release({ name, holder }) {
      await db.deleteFrom('leases').where('name', '=', name).where('holder', '=', holder).execute();
    },
  };
}
