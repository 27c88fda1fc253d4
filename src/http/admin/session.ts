import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'settled_admin';
const SESSION_MS = 8 * 3600_000;

/** The operator's signed-in session, read from the cookie; the CSRF token is bound to it. */
export interface AdminSession {
  readonly nonce: string;
  readonly expiresAt: number;
  readonly csrfToken: string;
}

function mac(key: Buffer, message: string): string {
  return createHmac('sha256', key).update(message).digest('base64url');
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Stateless sessions: the cookie carries its expiry and a nonce, signed with a key derived from the admin
 * token, so changing ADMIN_TOKEN signs every operator out and no session table is needed.
 */
export class AdminSessions {
  private readonly key: Buffer;

  constructor(
    private readonly adminToken: string,
    private readonly now: () => number,
  ) {
    this.key = createHmac('sha256', adminToken).update('settled admin session v1').digest();
  }

  tokenMatches(candidate: string): boolean {
    // Compare digests so the comparison takes the same time whatever the candidate's length.
    const digest = (text: string): string => createHmac('sha256', this.key).update(text).digest('hex');
    return sameText(digest(candidate), digest(this.adminToken));
  }

  issue(request: FastifyRequest, reply: FastifyReply): void {
    const expiresAt = this.now() + SESSION_MS;
    const nonce = randomBytes(18).toString('base64url');
    const value = `${expiresAt}.${nonce}.${mac(this.key, `session.${expiresAt}.${nonce}`)}`;
    void reply.header('set-cookie', adminCookie(request, SESSION_COOKIE, value, SESSION_MS / 1000));
  }

  clear(request: FastifyRequest, reply: FastifyReply): void {
    void reply.header('set-cookie', adminCookie(request, SESSION_COOKIE, '', 0));
  }

  read(request: FastifyRequest): AdminSession | undefined {
    const value = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (!value) return undefined;
    const [expires, nonce, signature] = value.split('.');
    if (!expires || !nonce || !signature || !/^\d{1,15}$/.test(expires)) return undefined;
    if (!sameText(signature, mac(this.key, `session.${expires}.${nonce}`))) return undefined;
    const expiresAt = Number(expires);
    if (expiresAt <= this.now()) return undefined;
    return { nonce, expiresAt, csrfToken: mac(this.key, `csrf.${nonce}`) };
  }

  csrfMatches(session: AdminSession, candidate: unknown): boolean {
    return typeof candidate === 'string' && sameText(candidate, session.csrfToken);
  }
}

/** A cookie only the dashboard's own pages get back. */
export function adminCookie(request: FastifyRequest, name: string, value: string, maxAgeSeconds: number): string {
  // Secure only over HTTPS, or the cookie would never come back on a plain-HTTP laptop demo.
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${name}=${value}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

/**
 * Refuses a form post that another site made the browser send: the browser's own Sec-Fetch-Site and Origin
 * headers must say this origin (when present; non-browser clients send neither and still need the CSRF token).
 */
export function isCrossSite(request: FastifyRequest): boolean {
  const fetchSite = request.headers['sec-fetch-site'];
  if (typeof fetchSite === 'string' && fetchSite !== 'same-origin' && fetchSite !== 'none') return true;
  const origin = request.headers.origin;
  if (typeof origin === 'string' && origin !== 'null') {
    return origin !== `${request.protocol}://${request.host}`;
  }
  return origin === 'null';
}
