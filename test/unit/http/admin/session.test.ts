import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { AdminSessions, isCrossSite } from '../../../../src/http/admin/session.js';

const TOKEN = 'unit-admin-token-0123456789abcdef';

function request(headers: Record<string, string>, protocol: 'http' | 'https' = 'http'): FastifyRequest {
  return { headers, protocol, host: 'shop.example:4242' } as unknown as FastifyRequest;
}

/** Issues a session and returns the Set-Cookie header it wrote. */
function issue(sessions: AdminSessions, protocol: 'http' | 'https' = 'http'): string {
  let written = '';
  const reply = { header: (name: string, value: string) => ((written = name === 'set-cookie' ? value : written), reply) } as unknown as FastifyReply;
  sessions.issue(request({}, protocol), reply);
  return written;
}

describe('admin sessions', () => {
  it('a cookie it issued reads back until it expires eight hours later', () => {
    let now = 1_000_000;
    const sessions = new AdminSessions(TOKEN, () => now);
    const cookie = issue(sessions).split(';')[0] ?? '';
    expect(sessions.read(request({ cookie }))).toBeDefined();
    now += 8 * 3600_000 - 1;
    expect(sessions.read(request({ cookie: `other=1; ${cookie}` }))).toBeDefined();
    now += 1;
    expect(sessions.read(request({ cookie }))).toBeUndefined();
  });

  it('a cookie signed under another admin token is not a session', () => {
    const cookie = issue(new AdminSessions('another-admin-token-0123456789abc', () => 0)).split(';')[0] ?? '';
    expect(new AdminSessions(TOKEN, () => 0).read(request({ cookie }))).toBeUndefined();
  });

  it('each session has its own CSRF token, and only it matches', () => {
    const sessions = new AdminSessions(TOKEN, () => 0);
    const first = sessions.read(request({ cookie: issue(sessions).split(';')[0] ?? '' }));
    const second = sessions.read(request({ cookie: issue(sessions).split(';')[0] ?? '' }));
    if (!first || !second) throw new Error('sessions did not read back');
    expect(first.csrfToken).not.toBe(second.csrfToken);
    expect(sessions.csrfMatches(first, first.csrfToken)).toBe(true);
    expect(sessions.csrfMatches(first, second.csrfToken)).toBe(false);
    expect(sessions.csrfMatches(first, undefined)).toBe(false);
  });

  it('the cookie is HttpOnly and SameSite=Strict always, Secure over HTTPS only', () => {
    const sessions = new AdminSessions(TOKEN, () => 0);
    expect(issue(sessions, 'http')).toMatch(/; Path=\/admin; HttpOnly; SameSite=Strict; Max-Age=28800$/);
    expect(issue(sessions, 'https')).toMatch(/; HttpOnly; SameSite=Strict; Max-Age=28800; Secure$/);
  });

  it('only the exact admin token matches', () => {
    const sessions = new AdminSessions(TOKEN, () => 0);
    expect(sessions.tokenMatches(TOKEN)).toBe(true);
    for (const guess of ['', TOKEN.slice(0, -1), `${TOKEN}x`, TOKEN.toUpperCase()]) expect(sessions.tokenMatches(guess), guess).toBe(false);
  });
});

describe('cross-site form posts', () => {
  it('are recognised by Sec-Fetch-Site or by an Origin other than this one', () => {
    expect(isCrossSite(request({ 'sec-fetch-site': 'cross-site' }))).toBe(true);
    expect(isCrossSite(request({ 'sec-fetch-site': 'same-site' }))).toBe(true);
    expect(isCrossSite(request({ origin: 'http://evil.example' }))).toBe(true);
    expect(isCrossSite(request({ origin: 'https://shop.example:4242' }))).toBe(true);
    expect(isCrossSite(request({ origin: 'null' }))).toBe(true);
  });

  it('let this origin and clients that send neither header through (they still need the CSRF token)', () => {
    expect(isCrossSite(request({ 'sec-fetch-site': 'same-origin', origin: 'http://shop.example:4242' }))).toBe(false);
    expect(isCrossSite(request({ 'sec-fetch-site': 'none' }))).toBe(false);
    expect(isCrossSite(request({}))).toBe(false);
  });
});
