import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/index.js';
import { TEST_DATABASE_URL } from '../../support/stores.js';
import { createScratchSchema, postgresReachable, type ScratchSchema } from './scratch-database.js';

const SUITE = 'settled in a database that others change';
const ROUNDS = 3;
const NEIGHBOURS = 15;

const runnable = await postgresReachable(SUITE);

describe.skipIf(!runnable)(SUITE, () => {
  const schemas: ScratchSchema[] = [];
  let admin: pg.Client | undefined;

  afterEach(async () => {
    await admin?.end();
    await Promise.all(schemas.splice(0).map((schema) => schema.drop()));
  });

  it('migrates a fresh schema while other schemas of the same database are being dropped', async () => {
    admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    for (let round = 0; round < ROUNDS; round += 1) {
      // Neighbours with serial columns: what Kysely's stock introspector stumbled over when they vanished mid-listing.
      const neighbours = Array.from({ length: NEIGHBOURS }, () => `gone_${randomBytes(5).toString('hex')}`);
      for (const name of neighbours) await admin.query(`create schema "${name}"; create table "${name}".t (id bigserial primary key, a text, b text)`);
      const schema = await createScratchSchema();
      schemas.push(schema);
      const store = await openStore({ kind: 'postgres', connectionString: TEST_DATABASE_URL, schema: schema.name, poolSize: 2 });
      try {
        const client = admin;
        const dropping = (async () => {
          for (const name of neighbours) await client.query(`drop schema "${name}" cascade`);
        })();
        const outcome = await store.migrate().then(() => 'migrated', (error: unknown) => String(error));
        await dropping;
        expect(outcome).toBe('migrated');
      } finally {
        await store.close();
      }
      expect(await schema.query('select count(*)::int as count from kysely_migration')).not.toEqual([{ count: 0 }]);
    }
  });
});
