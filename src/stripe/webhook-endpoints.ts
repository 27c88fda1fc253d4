import type Stripe from 'stripe';

/**
 * Registers settled's webhook endpoint (every event) and returns its signing secret, as `stripe listen
 * --forward-to` would. Endpoints left at the same URL by earlier runs go first: their secrets are lost, so
 * what they delivered would only be refused and retried.
 */
export async function registerWebhookEndpoint(stripe: Stripe, url: string, options: { replaceExisting?: boolean } = {}): Promise<string> {
  if (options.replaceExisting) {
    for await (const endpoint of stripe.webhookEndpoints.list({ limit: 100 })) {
      if (endpoint.url === url) await stripe.webhookEndpoints.del(endpoint.id);
    }
  }
  const endpoint = await stripe.webhookEndpoints.create({ url, enabled_events: ['*'] });
  if (!endpoint.secret) throw new Error('Stripe did not return the webhook endpoint secret');
  return endpoint.secret;
}
