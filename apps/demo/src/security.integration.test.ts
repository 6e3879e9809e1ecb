// The demo host's own defences (issue 17), against the demo started in-process on ephemeral ports:
// in-memory PGlite, the emulator, and a stub page instead of the Vite build (headers, not the page,
// are under test here; demo.browser.test.ts runs the real page under the same CSP).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '@jobcannon/hubspot-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { describeDatabase, startDemo, type DemoServer } from './demo-app.js';

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

let tmp: string;
let demo: DemoServer;
/** Requests go to the bound loopback address; `Host` names the canonical origin, as a browser would. */
let base: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'jc-demo-security-'));
  const web = path.join(tmp, 'web');
  await mkdir(web, { recursive: true });
  await writeFile(path.join(web, 'index.html'), '<!doctype html><title>stub</title><div id="root"></div>');
  const config = loadConfig({ PORT: '0', EMULATOR_PORT: '0', DEMO_DATA_DIR: path.join(tmp, 'data') });
  demo = await startDemo({ config, inMemoryDatabase: true, logger: quiet, web: { kind: 'prebuilt', outDir: web }, emulator: { seed: 17 } });
  base = `http://127.0.0.1:${demo.port}`;
});

afterAll(async () => {
  await demo?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const host = () => new URL(demo.url).host;
const call = (pathname: string, init: { method?: string; cookie?: string; body?: unknown } = {}) =>
  fetch(`${base}${pathname}`, {
    method: init.method ?? 'GET',
    redirect: 'manual',
    headers: {
      Host: host(),
      Accept: 'application/json',
      ...(init.cookie ? { Cookie: init.cookie } : {}),
      ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });

async function signIn(orgId = 'acme', role = 'admin'): Promise<string> {
  const res = await call('/api/session', { method: 'POST', body: { orgId, role } });
  expect(res.status).toBe(200);
  const cookie = res.headers.getSetCookie().find((line) => line.startsWith('jc_demo_session='));
  if (!cookie) throw new Error('no session cookie');
  return cookie.split(';')[0]!;
}

describe('the demo host', () => {
  it('listens on 127.0.0.1 by default, not on every interface', async () => {
    expect(demo.boundAddress).toBe('127.0.0.1');
    const lan = Object.values(os.networkInterfaces())
      .flat()
      .find((entry) => entry && entry.family === 'IPv4' && !entry.internal);
    if (lan) await expect(fetch(`http://${lan.address}:${demo.port}/api/session`)).rejects.toThrow();
  });

  it('answers /api/environment only to a signed-in member, with nothing secret in it', async () => {
    const anonymous = await call('/api/environment');
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).not.toContain('PostgreSQL');

    const cookie = await signIn();
    const res = await call('/api/environment', { cookie });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    // exactly what web/app.tsx reads (plus the database kind it types)
    expect(Object.keys(body).sort()).toEqual(['canReset', 'database', 'databaseDescription', 'emulatorUrl', 'hubspot', 'portalId']);
    expect(body).toMatchObject({ database: 'embedded', hubspot: 'emulator', emulatorUrl: demo.emulator!.url, portalId: null });
    expect(JSON.stringify(body)).not.toMatch(/postgres(ql)?:\/\/|jc-demo-secret|token-encryption|BEGIN|key/i);
  });

  it('never puts a DATABASE_URL (host, user or password) into what the page is told', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://jobcannon:s3cret-pw@db.internal:5432/jobcannon' });
    const description = describeDatabase(config, false);
    expect(description).toBe('PostgreSQL (DATABASE_URL)');
    expect(description).not.toMatch(/s3cret|db\.internal|jobcannon:/);
    const outside = loadConfig({ DEMO_DATA_DIR: path.join(os.tmpdir(), 'elsewhere', 'data') });
    expect(describeDatabase(outside, false)).not.toContain(os.tmpdir());
  });

  it('signing out revokes the session: the old cookie is refused afterwards', async () => {
    const cookie = await signIn();
    expect((await call('/api/invites', { cookie })).status).toBe(200);
    const out = await call('/api/session', { method: 'DELETE', cookie });
    expect(out.status).toBe(204);
    expect(out.headers.getSetCookie().some((line) => /^jc_demo_session=;.*Max-Age=0/.test(line))).toBe(true);

    // A copy of the cookie kept from before sign-out (another tab, a stolen copy) no longer works.
    expect((await call('/api/invites', { cookie })).status).toBe(401);
    expect(await (await call('/api/session', { cookie })).json()).toMatchObject({ session: null });
    expect((await call('/integrations/hubspot/status', { cookie })).status).toBe(401);
  });

  it('signing in as someone else ends the session signed in before', async () => {
    const first = await signIn('acme', 'admin');
    const res = await call('/api/session', { method: 'POST', cookie: first, body: { orgId: 'globex', role: 'member' } });
    expect(res.status).toBe(200);
    expect((await call('/api/invites', { cookie: first })).status).toBe(401);
  });

  it('sends helmet security headers and a CSP the page and the consent redirect work under', async () => {
    const page = await call('/', { cookie: undefined });
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'self'");
    expect(csp).toContain(`form-action 'self' ${demo.emulator!.url}`);
    // plain http on localhost: nothing that would push the page's own requests to https
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(page.headers.get('strict-transport-security')).toBeNull();
    for (const res of [page, await call('/api/session'), await call('/api/nope'), await call('/integrations/hubspot/status')]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(res.headers.get('content-security-policy')).toBeTruthy();
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });
});
