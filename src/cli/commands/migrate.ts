import type { Command } from 'commander';
import { configFromEnvironment } from '../environment.js';
import { openConfiguredStore } from '../runtime.js';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply database migrations (SQLite under DATA_DIR, or DATABASE_URL)')
    .action(async () => {
      const store = await openConfiguredStore(configFromEnvironment());
      try {
        await store.migrate();
        console.log(`migrations applied (${store.dialect})`);
      } finally {
        await store.close();
      }
    });
}
