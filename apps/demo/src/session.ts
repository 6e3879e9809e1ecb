import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

/**
 * The demo's sign-in: pick an org and a role, no password. The choice lives in a cookie signed
 * with HMAC-SHA256 (a key derived from the token encryption key, so there is no extra secret to
 * manage), HttpOnly and SameSite=Lax so other sites can neither read it nor send it with a POST.
 * The cookie also names a server-side session id: sign-out revokes it, so a copied or stolen cookie
 * stops working at once instead of living out its 7 days. Sessions are kept in memory, so a restart
 * of the demo signs everyone out. Good enough for a demo; JobCannon mounts the kit behind its real
 * session instead, and only `authorize(req)` has to change.
 */

export const DEMO_ORGS = [
  { id: 'acme', name: 'Acme' },
  { id: 'globex', name: 'Globex' },
] as const;
export const ROLES = ['admin', 'member'] as const;

export type OrgId = (typeof DEMO_ORGS)[number]['id'];
export type Role = (typeof ROLES)[number];

export interface DemoSession {
  orgId: OrgId;
  role: Role;
  /** Stable per org and role, so "connected by" and the OAuth state name someone. */
  userId: string;
}

const COOKIE = 'jc_demo_session';
const MAX_AGE_SECONDS = 7 * 24 * 3600;

export interface SessionCodec {
  read(req: Request): DemoSession | null;
  /** Starts a new server-side session and sets its cookie. */
  write(res: Response, session: Omit<DemoSession, 'userId'>): DemoSession;
  /** Revokes the request's session server-side (if it names one); its cookie is refused from now on. */
  revoke(req: Request): void;
  /** Sign-out: revokes the session and clears the cookie. */
  clear(req: Request, res: Response): void;
}

/** Which session ids are live. Ids are random and unguessable; the cookie's HMAC binds them to org and role. */
export interface SessionStore {
  add(id: string, expiresAt: number): void;
  isLive(id: string, now: number): boolean;
  revoke(id: string): void;
}

/**
 * Live sessions in memory. Expired ones are dropped as new ones arrive, and past `limit` the oldest
 * go first, so password-less sign-ins in a loop cannot grow the demo's memory without bound.
 */
export function createMemorySessionStore(options: { limit?: number } = {}): SessionStore {
  const limit = options.limit ?? 10_000;
  // Insertion order = age, so the first key is always the oldest.
  const live = new Map<string, number>();
  return {
    add(id, expiresAt) {
      const now = Date.now();
      for (const [known, expires] of live) if (expires <= now) live.delete(known);
      while (live.size >= limit) {
        const oldest = live.keys().next().value;
        if (oldest === undefined) break;
        live.delete(oldest);
      }
      live.set(id, expiresAt);
    },
    isLive: (id, now) => (live.get(id) ?? 0) > now,
    revoke(id) {
      live.delete(id);
    },
  };
}

export interface SessionCodecOptions {
  encryptionKey: string;
  secureCookie: boolean;
  /** Default: a fresh in-memory store. */
  store?: SessionStore;
  now?: () => number;
  /** New session ids; default 144 random bits. */
  newId?: () => string;
}

interface CookiePayload {
  sid: string;
  orgId: OrgId;
  role: Role;
  exp: number;
}

export function createSessionCodec(options: SessionCodecOptions): SessionCodec {
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(options.encryptionKey, 'utf8'), Buffer.alloc(0), 'jobcannon-demo-session', 32));
  const sign = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');
  const attributes = `Path=/; HttpOnly; SameSite=Lax${options.secureCookie ? '; Secure' : ''}`;
  const store = options.store ?? createMemorySessionStore();
  const now = options.now ?? Date.now;
  const newId = options.newId ?? (() => randomBytes(18).toString('base64url'));

  /** The signed payload, whether or not it has expired or been revoked. */
  const verified = (req: Request): Partial<CookiePayload> | null => {
    const value = readCookie(req, COOKIE);
    if (!value) return null;
    const [payload, signature] = value.split('.');
    if (!payload || !signature) return null;
    const expected = Buffer.from(sign(payload));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    try {
      const data: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      return typeof data === 'object' && data !== null ? (data as Partial<CookiePayload>) : null;
    } catch {
      return null;
    }
  };

  const codec: SessionCodec = {
    read(req) {
      const data = verified(req);
      if (!data || typeof data.exp !== 'number' || data.exp < now()) return null;
      if (typeof data.sid !== 'string' || !store.isLive(data.sid, now())) return null;
      if (!isOrgId(data.orgId) || !isRole(data.role)) return null;
      return sessionFor(data.orgId, data.role);
    },
    write(res, { orgId, role }) {
      const exp = now() + MAX_AGE_SECONDS * 1000;
      const sid = newId();
      store.add(sid, exp);
      const payload = Buffer.from(JSON.stringify({ sid, orgId, role, exp } satisfies CookiePayload)).toString('base64url');
      res.append('Set-Cookie', `${COOKIE}=${payload}.${sign(payload)}; ${attributes}; Max-Age=${MAX_AGE_SECONDS}`);
      return sessionFor(orgId, role);
    },
    revoke(req) {
      const sid = verified(req)?.sid;
      if (typeof sid === 'string') store.revoke(sid);
    },
    clear(req, res) {
      codec.revoke(req);
      res.append('Set-Cookie', `${COOKIE}=; ${attributes}; Max-Age=0`);
    },
  };
  return codec;
}

export const isOrgId = (value: unknown): value is OrgId => DEMO_ORGS.some((org) => org.id === value);
export const isRole = (value: unknown): value is Role => ROLES.includes(value as Role);
export const orgName = (orgId: OrgId): string => DEMO_ORGS.find((org) => org.id === orgId)?.name ?? orgId;

function sessionFor(orgId: OrgId, role: Role): DemoSession {
  return { orgId, role, userId: `${orgId}-${role}` };
}

function readCookie(req: Request, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return null;
}
