#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError } from '../config.js';
import { registerDeadLetters } from './commands/dead-letters.js';
import { registerDeliveries } from './commands/deliveries.js';
import { registerDoctor } from './commands/doctor.js';
import { registerEmulator } from './commands/emulator.js';
import { registerMigrate } from './commands/migrate.js';
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
registerOrders(program);
registerRefund(program);
registerDoctor(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : `settled: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
