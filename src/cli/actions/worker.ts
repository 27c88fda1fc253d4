import { connectionErrorLogger, createLogger } from '../../logging.js';
import { createRevalidator } from '../../reconcile/revalidate.js';
import { configuredConfirmationSender } from '../../notify/configured.js';
import { createProcessing } from '../../worker/processing.js';
import { closeOnSignals, configFromEnvironment } from '../environment.js';
import { connectStripe, loadCatalogFile, openConfiguredStore, stripeGateway } from '../runtime.js';
import { accessUrlOf } from '../../operations/access.js';

export async function runWorker(): Promise<void> {
  const config = configFromEnvironment();
  if (!config.stripe.secretKey) {
    // The worker reads charges and payment intents from Stripe; an in-process emulator would know none of them.
    throw new Error('settled worker needs STRIPE_SECRET_KEY (and STRIPE_API_BASE when the Stripe emulator runs on its own).');
  }
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  const store = await openConfiguredStore(config, connectionErrorLogger(logger));
  await store.migrate();
  const { stripe } = await connectStripe(config);
  const gateway = stripeGateway(stripe, config.stripe.backgroundBudgetMs);
  const confirmations = configuredConfirmationSender(config, logger);
  const publicUrl = (): string => config.publicUrl ?? `http://localhost:${config.port}`;
  const access = { store, listing: loadCatalogFile(config), publicUrl };
  const processing = createProcessing({
    store,
    gateway,
    revalidate: config.revalidate ? createRevalidator(gateway, { now: Date.now }) : undefined,
    logger,
    now: Date.now,
    maxAttempts: config.worker.maxAttempts,
    leaseMs: config.worker.leaseSeconds * 1000,
    // This process delivers the outbox when serve runs with --no-worker, so it sends the confirmations too.
    confirmations,
    accessUrlOf: (order) => accessUrlOf(access, order),
    notify: config.sidecar.notify,
  });
  processing.start();
  console.log(`settled worker ${processing.worker.workerId} is processing events (${store.dialect})`);
  closeOnSignals(async () => {
    await processing.stop();
    await confirmations.close?.();
    await store.close();
  });
}
