import type { Command } from 'commander';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check the configuration: Stripe key, webhook endpoint and secret, database, migrations, catalog')
    .addHelpText('after', '\nEach line is ok, warn or FAIL with what to fix; the exit code is 1 when anything FAILs. Secrets are never printed.')
    .action(async () => {
      const { runDoctor } = await import('../actions/doctor.js');
      await runDoctor();
    });
}
