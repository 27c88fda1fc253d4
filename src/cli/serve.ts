import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { liveKeyOutsideProduction, type Config } from '../config.js';
import { connectionErrorLogger, createLogger } from '../logging.js';
import { configuredConfirmationSender } from '../notify/configured.js';
import { createSettled } from '../settled.js';
import { listenStartupError } from './startup-errors.js';
import { connectRateLimitRedis, configuredCatalog, connectStripe, openConfiguredStore, orderRefSecret, registerWebhookEndpoint, webhookSourceList } from './runtime.js';

export interface ServeHandle {
  /** Where the server is bound. */
  readonly url: string;
  /** Where buyers reach it (PUBLIC_URL, or localhost on the bound port). */
  readonly publicUrl: string;
  readonly emulatorUrl: string | undefined;
  /** The admin token generated for this run in offline demo mode (never ADMIN_TOKEN itself), to print. */
  readonly generatedAdminToken: string | undefined;
  close(): Promise<void>;
}

/** `settled serve`: a thin composition of createSettled around the configuration. */
export async function serve(config: Config, options: { worker: boolean }): Promise<ServeHandle> {
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  if (liveKeyOutsideProduction(config)) {
    logger.warn('STRIPE_SECRET_KEY is a live key outside production (PUBLIC_URL unset, local or plain http, or STRIPE_API_BASE set): real cards are charged; use an sk_test_ key here');
  }
  const catalog = configuredCatalog(config);
  const refSecret = orderRefSecret(config);
  const store = await openConfiguredStore(config, connectionErrorLogger(logger));
  const connection = await connectStripe(config).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const redis = config.redisUrl ? connectRateLimitRedis(config.redisUrl, logger) : undefined;
  const closeAll = async (): Promise<void> => {
    await store.close();
    await connection.emulator?.close();
    redis?.disconnect();
  };
  try {
    // Registered after listen (the port may be chosen by the OS), so the secret list is read late.
    let webhookSecrets: readonly string[] = config.stripe.webhookSecrets;
    let publicDefault = `http://localhost:${config.port}`;
    // Offline demo mode has nothing to protect yet but still needs a way in: a fresh token, printed below.
    const generatedToken = !config.adminToken && connection.emulator ? randomBytes(24).toString('base64url') : undefined;
    const adminToken = config.adminToken ?? generatedToken;
    const confirmations = configuredConfirmationSender(config, logger);
    const settled = await createSettled({
      store,
      stripe: connection.stripe,
      stripeBudget: { requestMs: config.stripe.requestBudgetMs, backgroundMs: config.stripe.backgroundBudgetMs },
      webhookSecrets: () => webhookSecrets,
      catalog,
      orderRefSecret: refSecret,
      publicUrl: () => config.publicUrl ?? publicDefault,
      logger,
      adminToken,
      toleranceSeconds: config.stripe.toleranceSeconds,
      rateLimits: { ...config.rateLimits, redis },
      trustProxy: config.trustProxy,
      webhookSources: webhookSourceList(config),
      confirmations,
      apiKeys: config.sidecar.apiKeys,
      notify: config.sidecar.notify,
      worker: { enabled: options.worker, maxAttempts: config.worker.maxAttempts, leaseMs: config.worker.leaseSeconds * 1000 },
      revalidate: config.revalidate,
      reconcile: {
        intervalMs: config.reconcile.intervalSeconds * 1000,
        lookbackSeconds: config.reconcile.lookbackSeconds,
        staleAfterMs: config.reconcile.staleAfterMs,
        deliveryLogRetentionMs: config.deliveryLogRetentionDays * 86_400_000,
      },
    });
    await settled.app.listen({ port: config.port, host: config.host }).catch(async (error: unknown) => {
      await settled.close().catch(() => undefined);
      throw listenStartupError(error, config);
    });
    const { port } = settled.app.server.address() as AddressInfo;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    publicDefault = `http://localhost:${port}`;
    if (connection.registersEndpoint) {
      webhookSecrets = [await registerWebhookEndpoint(connection.stripe, `${url}/api/webhooks/stripe`)];
    }
    settled.start();
    logger.info({ url, emulator: connection.emulator?.url, worker: options.worker }, 'settled is serving');
    if (!adminToken) {
      logger.warn('operator dashboard is off: set ADMIN_TOKEN (at least 24 characters) to turn it on');
    }
    return {
      url,
      publicUrl: config.publicUrl ?? publicDefault,
      emulatorUrl: connection.emulator?.url,
      generatedAdminToken: generatedToken,
      async close() {
        await settled.close();
        await confirmations.close?.();
        await closeAll();
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
