/**
 * The addresses Stripe sends webhooks from, as published in its ips_webhooks.json (key WEBHOOKS). Stripe
 * changes this list rarely and announces it; STRIPE_WEBHOOK_IPS_FILE points settled at a newer copy.
 */
export const STRIPE_WEBHOOK_IPS: readonly string[] = [
  '3.18.12.63',
  '3.130.192.231',
  '13.235.14.237',
  '13.235.122.149',
  '18.211.135.69',
  '35.154.171.200',
  '52.15.183.38',
  '54.88.130.119',
  '54.88.130.237',
  '54.187.174.169',
  '54.187.205.235',
  '54.187.216.72',
];
