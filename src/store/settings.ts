import type { StoreContext } from './database.js';
import type { KeyValueRepository } from './types.js';

export function settingsRepository({ db }: StoreContext): KeyValueRepository {
  return {
    async get(key) {
      const row = await db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
      return row?.value;
    },
    async set(key, value) {
      // Settings are not business time, so the wall clock is fine here.
      const now = Date.now();
      await db
        .insertInto('settings')
        .values({ key, value, updated_at: now })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
        .execute();
    },
  };
}
