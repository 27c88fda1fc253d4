#!/usr/bin/env node
// Each command registers its options here and imports what it runs only when it runs, so --help stays quick.
import { Command } from 'commander';
import { registerDeadLetters } from './commands/dead-letters.js';
import { registerDeliveries } from './commands/deliveries.js';
import { registerDoctor } from './commands/doctor.js';
import { registerEmulator } from './commands/emulator.js';
import { registerMigrate } from './commands/migrate.js';
import { registerNotifications } from './commands/notifications.js';
import { registerOrders } from './commands/orders.js';
import { registerReconcile } from './commands/reconcile.js';
import { registerRefund } from './commands/refund.js';
import { registerReplay } from './commands/replay.js';
import { registerServe } from './commands/serve.js';
import { registerWorker } from './commands/worker.js';

const program = new Command()
  .name('settled')
  .description('Know that a Stripe order is paid, and fulfill it exactly once.')
  .showHelpAfterError();

registerServe(program);
registerWorker(program);
registerEmulator(program);
registerMigrate(program);
registerReconcile(program);
registerReplay(program);
registerDeadLetters(program);
registerDeliveries(program);
registerNotifications(program);
registerOrders(program);
registerRefund(program);
registerDoctor(program);

program.parseAsync(process.argv).catch(async (error: unknown) => {
  // Loaded here rather than up front so that --help stays light; a command that read the configuration has it already.
  const { ConfigError } = await import('../config.js');
  const { failureMessage } = await import('./failure-message.js');
  console.error(error instanceof ConfigError ? error.message : `settled: ${failureMessage(error)}`);
  process.exit(1);
});
