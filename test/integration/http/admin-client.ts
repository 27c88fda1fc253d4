import { expect } from 'vitest';
import type { Shop } from '../../support/shop.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface AdminClient {
  readonly cookie: string;
  readonly csrf: string;
  readonly setCookie: string;
  get(path: string): Promise<{ status: number; html: string }>;
  /** A form post as the dashboard's own page sends it (same origin, with the CSRF token). */
  post(path: string, fields?: Record<string, string>): Promise<{ status: number; location: string | null; notice: string | null; html: string }>;
}

/** The notice an action left for the page it redirects to (a cookie the next page reads once). */
export function noticeOf(response: Response): string | null {
  return /(?:^|, )settled_notice=([a-z_]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1] ?? null;
}

/** Signs in to the shop's dashboard with the admin token, as a browser would. */
export async function signIn(shop: Shop): Promise<AdminClient> {
  const login = await fetch(`${shop.url}/admin/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: ADMIN_TOKEN }).toString(),
    redirect: 'manual',
  });
  expect(login.status).toBe(303);
  const setCookie = login.headers.get('set-cookie') ?? '';
  const cookie = setCookie.split(';')[0] ?? '';
  const overview = await fetch(`${shop.url}/admin`, { headers: { cookie } });
  const csrf = /name="csrf" value="([^"]+)"/.exec(await overview.text())?.[1] ?? '';
  return {
    cookie,
    csrf,
    setCookie,
    async get(path) {
      const response = await fetch(`${shop.url}${path}`, { headers: { cookie }, redirect: 'manual' });
      return { status: response.status, html: await response.text() };
    },
    async post(path, fields = {}) {
      const response = await fetch(`${shop.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: shop.url, 'sec-fetch-site': 'same-origin' },
        body: new URLSearchParams({ csrf, ...fields }).toString(),
        redirect: 'manual',
      });
      return { status: response.status, location: response.headers.get('location'), notice: noticeOf(response), html: await response.text() };
    },
  };
}
