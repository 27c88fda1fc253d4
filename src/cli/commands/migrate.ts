import type { Command } from 'commander';
import { plainCommand } from '../options.js';

export function registerMigrate(program: Command): void {
  plainCommand(program, 'migrate', 'apply database migrations (SQLite under DATA_DIR, or DATABASE_URL)', async () => (await import('../actions/migrate.js')).runMigrate);
}
