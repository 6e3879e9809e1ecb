// The demo's own API for issue 19, against the demo run as `pnpm demo` runs it (demo-runner.ts):
// PGlite on disk in a temporary data directory, the emulator keeping its state next to it, a stub
// page. The browser test walks the same story through the page; this one pins the answers.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AssessmentInvite, Logger } from '@jobcannon/hubspot-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { runDemo, type DemoRunner } from './demo-runner.js';
import { BAD_EMAIL, PAST_INVITES } from './invites/past-invites.js';
import { DATABASE_DIR, EMULATOR_STATE_FILE } from './reset.js';

const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
const WAIT = { timeout: 30_000, interval: 100 };

let tmp: string;
let dataDir: string;
let runner: DemoRunner;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'jc-demo-api-'));
  const web = path.join(tmp, 'web');
  await mkdir(web, { recursive: true });
  await writeFile(path.join(web, 'index.html'), '<!doctype html><title>stub</title><div id="root"></div>');
  dataDir = path.join(tmp, 'data');
  const config = loadConfig({ PORT: '0', EMULATOR_PORT: '0', DEMO_DATA_DIR: dataDir });
  runner = await runDemo({ config, logger: quiet, web: { kind: 'prebuilt', outDir: web }, emulator: { seed: 19 } });
}, 120_000);

afterAll(async () => {
  await runner?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const call = async (pathname: string, init: { method?: string; cookie?: string; body?: unknown } = {}) => {
  const res = await fetch(`http://127.0.0.1:${runner.current.port}${pathname}`, {
    method: init.method ?? 'GET',
    redirect: 'manual',
    headers: {
      Host: new URL(runner.current.url).host,
      Accept: 'application/json',
      ...(init.cookie ? { Cookie: init.cookie } : {}),
      ...(init.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
};

async function signIn(orgId = 'acme', role = 'admin'): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${runner.current.port}/api/session`, {
    method: 'POST',
    headers: { Host: new URL(runner.current.url).host, 'Content-Type': 'application/json' },
    body: JSON.stringify({ orgId, role }),
  });
  return res.headers.getSetCookie().find((line) => line.startsWith('jc_demo_session='))!.split(';')[0]!;
}

/** Connects the org to hub 1001 through the emulator's auto-approve, as the README's curl session does. */
async function connect(cookie: string): Promise<void> {
  const host = new URL(runner.current.url).host;
  // Accept JSON: a request for HTML on 127.0.0.1 would be sent to the canonical localhost first.
  const start = await fetch(`http://127.0.0.1:${runner.current.port}/integrations/hubspot/connect`, { redirect: 'manual', headers: { Host: host, Cookie: cookie, Accept: 'application/json' } });
  // The connect's nonce cookie must ride along to the callback, as a browser's would.
  const nonce = start.headers.getSetCookie().map((line) => line.split(';')[0]);
  const approved = await fetch(`${start.headers.get('location')!}&_emulator_auto=approve`, { redirect: 'manual' });
  const callback = new URL(approved.headers.get('location')!);
  await fetch(`http://127.0.0.1:${runner.current.port}${callback.pathname}${callback.search}`, { redirect: 'manual', headers: { Host: host, Accept: 'application/json', Cookie: [cookie, ...nonce].join('; ') } });
  await expect.poll(async () => (await call('/integrations/hubspot/status', { cookie })).body?.status, WAIT).toBe('connected');
}

describe('the demo API (issue 19)', () => {
  it('has the past invites of a fresh demo, a completed-invite source for the backfill', async () => {
    const cookie = await signIn();
    const page = await call('/api/invites?limit=500', { cookie });
    expect(page.body.total).toBe(PAST_INVITES.acme);
    expect(page.body.items.every((invite: AssessmentInvite) => invite.status === 'completed' && invite.firstName && invite.lastName)).toBe(true);
  });

  it.each([
    ['ada@example.test', /“\.test” is not a top-level domain/],
    [`${'a'.repeat(300)}@example.com`, /HubSpot accepts at most 64/],
    ['ada@example.com ', /space/],
  ])('refuses %j before storing it, with the reason', async (email, reason) => {
    const cookie = await signIn();
    const before = (await call('/api/invites', { cookie })).body.total;
    const res = await call('/api/invites', { method: 'POST', cookie, body: { email, tests: ['disc'] } });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_EMAIL');
    expect(res.body.error.message).toMatch(reason);
    expect((await call('/api/invites', { cookie })).body.total).toBe(before);
  });

  it('keeps the name, serves an invite with the candidate’s other invites to its org only, and corrects an email', async () => {
    const cookie = await signIn();
    const first = (await call('/api/invites', { method: 'POST', cookie, body: { email: 'Mary.Shelley@example.com', firstName: ' Mary ', lastName: 'Shelley', tests: ['iq'] } })).body as AssessmentInvite;
    expect(first).toMatchObject({ firstName: 'Mary', lastName: 'Shelley' });
    const second = (await call('/api/invites', { method: 'POST', cookie, body: { email: 'mary.shelley@example.com', tests: ['mbti'] } })).body as AssessmentInvite;
    const page = await call(`/api/invites/${second.id}`, { cookie });
    expect(page.body.invite.id).toBe(second.id);
    expect(page.body.others.map((invite: AssessmentInvite) => invite.id)).toEqual([first.id]);
    expect((await call(`/api/invites/${second.id}`, { cookie: await signIn('globex') })).status).toBe(404);

    // Correcting: only a completed test's result, and the email by HubSpot's rules.
    expect((await call(`/api/invites/${first.id}`, { method: 'PATCH', cookie, body: { result: { slug: 'iq', score: 120 } } })).status).toBe(422);
    expect((await call(`/api/invites/${first.id}`, { method: 'PATCH', cookie, body: { email: 'mary@example.con' } })).body.error.code).toBe('INVALID_EMAIL');
    const corrected = await call(`/api/invites/${first.id}`, { method: 'PATCH', cookie, body: { email: 'mary@example.org' } });
    expect(corrected.status).toBe(200);
    expect(corrected.body).toMatchObject({ invite: { email: 'mary@example.org' }, hubspot: null, dismissed: 0 });
  });

  it('lets only admins reset, and restarts keep the connection, the tokens and the contacts', async () => {
    expect((await call('/api/reset', { method: 'POST', cookie: await signIn('acme', 'member') })).status).toBe(403);
    const cookie = await signIn();
    await connect(cookie);
    const emulator = () => runner.current.emulator!;
    // A past invite with the refused email, corrected: the newer snapshot reaches HubSpot.
    const ann = (await call('/api/invites?limit=500', { cookie })).body.items.find((invite: AssessmentInvite) => invite.email === BAD_EMAIL) as AssessmentInvite;
    const fixed = await call(`/api/invites/${ann.id}`, { method: 'PATCH', cookie, body: { email: 'ann.lee@example.com' } });
    expect(fixed.body.hubspot).toMatchObject({ queued: true });
    await expect.poll(() => emulator().contact(1001, 'ann.lee@example.com')?.properties.firstname ?? null, WAIT).toBe('Ann');

    await runner.restart();
    const again = await signIn();
    expect((await call('/integrations/hubspot/status', { cookie: again })).body.status).toBe('connected');
    expect(emulator().contact(1001, 'ann.lee@example.com')?.properties.lastname).toBe('Lee');
    // The stored tokens still work against the restarted emulator.
    const done = await call('/api/invites', { method: 'POST', cookie: again, body: { email: 'percy@example.com', firstName: 'Percy', tests: ['iq'] } });
    await call(`/api/invites/${done.body.id}/results`, { method: 'POST', cookie: again, body: { slug: 'iq', score: 101 } });
    await expect.poll(() => emulator().contact(1001, 'percy@example.com')?.properties.jc_iq_score ?? null, WAIT).toBe('101');

    // Reset: answered first, then the demo starts clean on the same port.
    const old = runner.current;
    expect((await call('/api/reset', { method: 'POST', cookie: again })).status).toBe(202);
    await expect.poll(() => runner.current !== old, WAIT).toBe(true);
    await expect.poll(async () => (await call('/api/session').catch(() => null))?.status ?? null, WAIT).toBe(200);
    const fresh = await signIn();
    expect((await call('/integrations/hubspot/status', { cookie: fresh })).body.status).toBe('not_connected');
    expect((await call('/api/invites', { cookie: fresh })).body.total).toBe(PAST_INVITES.acme);
    expect(emulator().contacts(1001)).toHaveLength(0);
    expect(existsSync(path.join(dataDir, DATABASE_DIR))).toBe(true);
    expect(existsSync(path.join(dataDir, EMULATOR_STATE_FILE))).toBe(false);
  });
});
