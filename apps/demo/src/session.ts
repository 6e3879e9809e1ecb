import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

/**
 * The demo's sign-in: pick an org and a role, no password. The choice lives in a cookie signed
 * with HMAC-SHA256 (a key derived from the token encryption key, so there is no extra secret to
 * manage), HttpOnly and SameSite=Lax so other sites can neither read it nor send it with a POST.
 * Good enough for a demo; JobCannon mounts the kit behind its real session instead, and only
 * `authorize(req)` has to change.
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
  write(res: Response, session: Omit<DemoSession, 'userId'>): DemoSession;
  clear(res: Response): void;
}

export function createSessionCodec(options: { encryptionKey: string; secureCookie: boolean }): SessionCodec {
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(options.encryptionKey, 'utf8'), Buffer.alloc(0), 'jobcannon-demo-session', 32));
  const sign = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');
  const attributes = `Path=/; HttpOnly; SameSite=Lax${options.secureCookie ? '; Secure' : ''}`;

  return {
    read(req) {
      const value = readCookie(req, COOKIE);
      if (!value) return null;
      const [payload, signature] = value.split('.');
      if (!payload || !signature) return null;
      const expected = Buffer.from(sign(payload));
      const given = Buffer.from(signature);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
      try {
        const data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<DemoSession & { exp: number }>;
        if (typeof data.exp !== 'number' || data.exp < Date.now()) return null;
        if (!isOrgId(data.orgId) || !isRole(data.role)) return null;
        return sessionFor(data.orgId, data.role);
      } catch {
        return null;
      }
    },
    write(res, { orgId, role }) {
      const payload = Buffer.from(JSON.stringify({ orgId, role, exp: Date.now() + MAX_AGE_SECONDS * 1000 })).toString('base64url');
      res.append('Set-Cookie', `${COOKIE}=${payload}.${sign(payload)}; ${attributes}; Max-Age=${MAX_AGE_SECONDS}`);
      return sessionFor(orgId, role);
    },
    clear(res) {
      res.append('Set-Cookie', `${COOKIE}=; ${attributes}; Max-Age=0`);
    },
  };
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
