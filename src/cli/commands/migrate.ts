import type { Command } from 'commander';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply database migrations (SQLite under DATA_DIR, or DATABASE_URL)')
    .action(async () => {
      const { runMigrate } = await import('../actions/migrate.js');
      await runMigrate();
    });
}
