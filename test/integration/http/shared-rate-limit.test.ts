import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSettled, type Settled } from '../../../src/settled.js';
import { describeEachStore } from '../../support/stores.js';
import { intakeOnlyOptions } from '../../support/intake-app.js';
import { redisUnavailable, TEST_REDIS_URL } from '../../support/redis.js';

const SECRET = 'whsec_sharedLimitSecre';
const signer = new Stripe('sk_test_signer');
const REDIS_URL = TEST_REDIS_URL;
const unreachable = await redisUnavailable('the shared rate-limit tests');

describe.skipIf(unreachable !== undefined)('rate limits shared through Redis', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(() => redis.disconnect());

  describeEachStore('two processes', (ctx) => {
    it('count one buyer across every process that shares the Redis prefix', async () => {
      const prefix = `settled-test-${randomBytes(6).toString('hex')}`;
      const apps: Settled[] = [];
      try {
        const urls: string[] = [];
        for (let i = 0; i < 2; i++) {
          const store = i === 0 ? ctx.store : await ctx.openAnother();
          const settled = await createSettled(
            intakeOnlyOptions(store, SECRET, { rateLimits: { buyerPerMinute: 3, webhookRejectedPerMinute: 1000, redis, redisPrefix: prefix } }),
          );
          apps.push(settled);
          await settled.app.listen({ port: 0, host: '127.0.0.1' });
          urls.push(`http://127.0.0.1:${(settled.app.server.address() as AddressInfo).port}`);
        }
        const statuses = [];
        for (const url of [urls[0], urls[1], urls[0], urls[1], urls[0]]) statuses.push((await fetch(`${url}/api/catalog`)).status);
        expect(statuses).toEqual([200, 200, 200, 429, 429]);
        expect((await redis.keys(`${prefix}:buyer:*`)).length).toBeGreaterThan(0);
      } finally {
        for (const settled of apps) await settled.close();
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length > 0) await redis.del(...keys);
      }
    });

    it('count refused webhook requests across every process, and never refuse a verified delivery', async () => {
      const prefix = `settled-test-${randomBytes(6).toString('hex')}`;
      const apps: Settled[] = [];
      try {
        const urls: string[] = [];
        for (let i = 0; i < 2; i++) {
          const store = i === 0 ? ctx.store : await ctx.openAnother();
          const settled = await createSettled(
            intakeOnlyOptions(store, SECRET, { rateLimits: { buyerPerMinute: 1000, webhookRejectedPerMinute: 2, redis, redisPrefix: prefix } }),
          );
          apps.push(settled);
          await settled.app.listen({ port: 0, host: '127.0.0.1' });
          urls.push(`http://127.0.0.1:${(settled.app.server.address() as AddressInfo).port}/api/webhooks/stripe`);
        }
        const post = (url: string | undefined, id: string, secret: string) => {
          const body = JSON.stringify({ id, object: 'event', type: 'charge.succeeded', created: Math.floor(Date.now() / 1000), data: { object: { id: 'ch_1' } } });
          const header = signer.webhooks.generateTestHeaderString({ payload: body, secret });
          return fetch(url ?? '', { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': header }, body });
        };
        const statuses = [];
        for (const [i, url] of [urls[0], urls[1], urls[0], urls[1]].entries()) statuses.push((await post(url, `evt_forged_${i}`, 'whsec_notTheEndpoints')).status);
        expect(statuses).toEqual([400, 400, 429, 429]);
        for (const [i, url] of urls.entries()) expect((await post(url, `evt_signed_${i}`, SECRET)).status).toBe(200);
        expect((await redis.keys(`${prefix}:webhook-rejected:*`)).length).toBeGreaterThan(0);
      } finally {
        for (const settled of apps) await settled.close();
        const keys = await redis.keys(`${prefix}:*`);
        if (keys.length > 0) await redis.del(...keys);
      }
    });
  });
});
