import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build } from 'vite';
import type { HubSpotIntegration } from '@jobcannon/hubspot-core';
import type { Emulator } from '@jobcannon/hubspot-emulator';
import { createHubSpotRouter } from '@jobcannon/hubspot-express';
import { completedInvite, createPostgresTestDatabase, createTestIntegration, startTestEmulator, type PostgresTestDatabase } from '@jobcannon/hubspot-core/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failureItem, statusReport } from './test-support/fake-fetch.js';
import type { FailureItem, IntegrationStatusReport } from './types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// Tests never write into tracked files: screenshots go to a fresh temporary folder unless
// SCREENSHOTS_DIR says where (`pnpm screenshots` points it at docs/screenshots on purpose).
// Without it they are removed after the run; set it to keep them.
const screenshotsFromEnv = process.env.SCREENSHOTS_DIR;
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ORG = 'org-widget-browser';
const HUB = 1001;
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Bundles the test page (React included) in memory with vite, as a host's build would. */
async function bundlePage(): Promise<string> {
  const result = (await build({
    configFile: false,
    // vitest runs in development mode; the page is built as a host ships it.
    mode: 'production',
    root: path.resolve(here, '..'),
    logLevel: 'silent',
    oxc: { jsx: { runtime: 'automatic', development: false } },
    define: { 'process.env.NODE_ENV': '"production"' },
    build: { write: false, minify: false, rolldownOptions: { input: path.join(here, 'test-support/browser-page.tsx'), output: { format: 'es', entryFileNames: 'page.js' } } },
  })) as { output: Array<{ type: string; code?: string }> } | Array<{ output: Array<{ type: string; code?: string }> }>;
  const outputs = Array.isArray(result) ? result : [result];
  return outputs.flatMap((output) => output.output).filter((item) => item.type === 'chunk').map((chunk) => chunk.code ?? '').join('\n');
}

/** What the fixture router answers: any state the real stack is slow or unable to reach on demand. */
interface Fixture {
  status: IntegrationStatusReport;
  failures: FailureItem[];
}

describe('the Integrations row in a real browser', () => {
  let database: PostgresTestDatabase;
  let emulator: Emulator;
  let integration: HubSpotIntegration;
  let server: Server;
  let baseUrl = '';
  let context: BrowserContext;
  let page: Page;
  let userDataDir = '';
  let screenshots = '';
  const fixture: Fixture = { status: statusReport(), failures: [] };

  beforeAll(async () => {
    screenshots = screenshotsFromEnv ? path.resolve(screenshotsFromEnv) : fs.mkdtempSync(path.join(os.tmpdir(), 'jc-widget-screenshots-'));
    fs.mkdirSync(screenshots, { recursive: true });
    const [script, db, hubspot] = await Promise.all([bundlePage(), createPostgresTestDatabase('widget_browser'), startTestEmulator()]);
    database = db;
    emulator = hubspot;
    const css = fs.readFileSync(path.resolve(here, 'styles.css'), 'utf8');

    const app = express();
    server = await new Promise((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    integration = createTestIntegration(database.db, emulator, {
      hubspot: { clientId: 'jc-demo-client', clientSecret: 'jc-demo-secret', redirectUri: `${baseUrl}/integrations/hubspot/callback`, apiBase: emulator.url, authBase: emulator.url },
      pushOnEnqueue: true,
    });
    await integration.migrate();
    app.use('/integrations/hubspot', createHubSpotRouter(integration, { authorize: () => ({ orgId: ORG, userId: 'ada', role: 'admin' }), returnTo: '/' }));
    app.use(express.json());
    app.get('/fixture/status', (_req, res) => res.json(fixture.status));
    app.get('/fixture/failures', (_req, res) => res.json({ items: fixture.failures, total: fixture.failures.length, nextCursor: null }));
    app.get('/favicon.ico', (_req, res) => res.status(204).end());
    app.get('/page.js', (_req, res) => res.type('text/javascript').send(script));
    app.get('/', (_req, res) =>
      res
        .type('html')
        .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Integrations</title><style>${css}</style></head><body><div id="root"></div><script type="module" src="/page.js"></script></body></html>`),
    );

    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jc-widget-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      viewport: { width: 1280, height: 720 },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = context.pages()[0] ?? (await context.newPage());
    // A script error in the page would otherwise show up only as a locator timeout.
    page.on('pageerror', (error) => console.error('[browser]', error.message));
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
    // A temporary folder of our own is ours to remove; a SCREENSHOTS_DIR is the caller's to keep.
    if (!screenshotsFromEnv && screenshots) fs.rmSync(screenshots, { recursive: true, force: true });
    await integration?.close();
    server?.close();
    await emulator?.close();
    await database?.drop();
  });

  const pill = () => page.locator('[data-state]').first();
  const shot = (name: string) => page.screenshot({ path: path.join(screenshots, `widget-${name}.png`), fullPage: true });

  /** axe-core over the whole page (WCAG 2.x A and AA): the violations' ids and targets, [] when clean. */
  async function axeViolations(): Promise<string[]> {
    if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: axeSource });
    const result = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: Array<{ id: string; nodes: Array<{ target: unknown }> }> }> } }).axe;
      return axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
    });
    return result.violations.map((violation) => `${violation.id}: ${JSON.stringify(violation.nodes.map((node) => node.target))}`);
  }
  /** Screenshot and accessibility check of the state on screen. */
  async function state(name: string): Promise<void> {
    await shot(name);
    expect(await axeViolations(), name).toEqual([]);
  }
  /** Loads the page against the fixture router in `status`. */
  async function showFixture(status: Partial<IntegrationStatusReport>, query = ''): Promise<void> {
    // Times near the real clock, so the screenshots read "just now" rather than months ago.
    const now = new Date().toISOString();
    fixture.status = statusReport({ connectedAt: now, lastSyncAt: now, ...status });
    await page.goto(`${baseUrl}/?base=/fixture${query}`);
    await page.locator('.jc-hs__pill:not([data-state=loading])').waitFor();
  }

  it('connects through the consent page, shows Connected, then Needs reconnect after an uninstall', async () => {
    await page.goto(baseUrl);
    await expect.poll(() => pill().getAttribute('data-state'), { timeout: 15_000 }).toBe('not_connected');
    await page.getByText('HubSpot asks you to approve:').waitFor();
    await state('1-not-connected');

    await page.getByRole('button', { name: 'Connect HubSpot' }).click();
    await page.waitForURL(`${emulator.url}/oauth/authorize**`);
    await page.getByText('JobCannon').first().waitFor();
    await shot('2-consent');
    await page.getByRole('button', { name: 'Approve' }).click();

    await page.waitForURL(`${baseUrl}/**`);
    await expect.poll(() => pill().getAttribute('data-state'), { timeout: 15_000 }).toBe('connected');
    await page.getByText(/HubSpot connected to acme-demo\.hubspot\.com/).waitFor();
    await page.getByText('acme-demo.hubspot.com').first().waitFor();
    await state('3-connected');

    await integration.enqueue(completedInvite(ORG, 1));
    await expect.poll(() => emulator.contact(HUB, 'candidate.1@example.com')?.properties.jc_test_status, { timeout: 10_000 }).toBe('completed');
    await page.reload();
    await page.getByText(/Last sync/).first().waitFor();
    await expect.poll(async () => await page.getByText(/Never synced/).count(), { timeout: 10_000 }).toBe(0);
    await page.getByText(/^Recent activity/).click();
    const view = page.getByRole('link', { name: 'View in HubSpot: candidate.1@example.com' });
    await view.waitFor();
    await state('4-synced');
    // "View in HubSpot" opens the contact's record page (the emulator's, in the demo).
    const record = await context.request.get((await view.getAttribute('href')) ?? '');
    expect(record.status()).toBe(200);
    expect(await record.text()).toContain('candidate.1@example.com');

    // The customer uninstalls the app in HubSpot; the next push finds out (401, refused refresh).
    emulator.uninstall(HUB);
    await integration.enqueue(completedInvite(ORG, 2));
    await expect.poll(async () => (await integration.status(ORG)).status, { timeout: 10_000 }).toBe('must_reconnect');
    await page.reload();
    await expect.poll(() => pill().getAttribute('data-state'), { timeout: 15_000 }).toBe('must_reconnect');
    await page.getByText('Needs reconnect').first().waitFor();
    expect(await page.getByRole('alert').first().textContent()).toMatch(/Reconnect HubSpot/);
    await page.getByRole('button', { name: 'Reconnect HubSpot' }).first().waitFor();
    await state('5-needs-reconnect');
  }, 120_000);

  it('walks the other states of the row, each accessible (axe: 0 violations)', async () => {
    await showFixture({ setup: { state: 'running', done: 6, total: 17 } }, '&hubspot=connected');
    await page.getByText('Setting up HubSpot… (6 of 17 properties)').waitFor();
    await state('6-setting-up');

    await showFixture({ setup: { state: 'failed', done: 3, total: 17 }, lastError: { code: 'BOOTSTRAP_FAILED', details: {}, retryable: true, at: new Date().toISOString() } });
    await page.getByText(/could not set up its properties/).waitFor();
    await state('7-setup-failed');

    const drift = [
      { name: 'jc_disc_d', field: 'label', expected: 'JC DISC — Dominance', actual: 'Dominance', severity: 'info' as const },
      { name: 'jc_iq_score', field: 'type', expected: 'number', actual: 'string', severity: 'warning' as const },
    ];
    await showFixture({ bootstrap: { ok: false, missing: [], drift, checkedAt: new Date().toISOString(), created: [], groupCreated: false } });
    await page.getByText(/different label or description/).waitFor();
    await page.getByText(/changed in HubSpot, so some values are refused/).waitFor();
    await state('8-drift');

    await showFixture({ status: 'not_connected', portal: null, bootstrap: null }, '&hubspot=error&reason=PORTAL_SHARED&portalId=1001&portalDomain=acme-demo.hubspot.com&sharedWith=1');
    await page.getByRole('button', { name: 'Connect anyway' }).waitFor();
    await state('9-portal-shared');

    await showFixture({ status: 'not_connected', portal: null, bootstrap: null }, '&hubspot=error&reason=PORTAL_IN_USE&portalId=1001&portalDomain=acme-demo.hubspot.com');
    await page.getByText(/sharing one is turned off/).waitFor();
    await state('10-portal-in-use');

    await showFixture({}, '&hubspot=unchanged&reason=OAUTH_DENIED');
    await page.getByText(/^Nothing changed: HubSpot is still connected/).waitFor();
    await state('11-unchanged');

    await showFixture({ sharedWith: 1, backfill: { state: 'offered', total: 4213, enqueued: 0, pushed: 0, failed: 0, pending: 0, ratePerSecond: null, etaAt: null, startedAt: null, finishedAt: null } });
    await page.getByText('Send 4,213 past results to HubSpot?').waitFor();
    await state('12-backfill-offered');

    const eta = new Date(Date.now() + 4 * 60_000).toISOString();
    await showFixture({ syncing: true, backfill: { state: 'running', total: 4213, enqueued: 2600, pushed: 1900, failed: 2, pending: 700, ratePerSecond: 9.5, etaAt: eta, startedAt: null, finishedAt: null } });
    await page.getByRole('progressbar').waitFor();
    await state('13-backfill-running');

    await showFixture({ backfill: { state: 'done', total: 4213, enqueued: 4213, pushed: 4211, failed: 2, pending: 0, ratePerSecond: null, etaAt: null, startedAt: null, finishedAt: null } });
    await page.getByText(/^Sent 4,211 past results/).waitFor();
    await state('14-backfill-done');

    await showFixture({ permissions: { manage: false }, status: 'must_reconnect', queue: { pending: 0, failed: 1, held: 3 } });
    await page.getByText(/Ask an admin of your organization to reconnect HubSpot/).waitFor();
    expect(await page.getByRole('button', { name: /Reconnect|Resync|Disconnect|Sync now/ }).count()).toBe(0);
    await state('15-member');
  }, 120_000);

  it('the failures drawer: one sentence per failure, a 300-character email wrapped at 1280 px, keyboard only, axe-clean', async () => {
    const long = `${'a'.repeat(280)}@example.con`;
    const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    fixture.failures = [
      failureItem(1, { email: long, details: { email: long }, failedAt: ago(3) }),
      failureItem(2, { email: 'ann@example.con', details: { email: 'ann@example.con' }, failedAt: ago(60) }),
      failureItem(3, { id: 'invalid-9', code: 'INVALID_INVITE', details: { field: 'scores.iq', value: 190 }, failedAt: ago(120) }),
      failureItem(4, { code: 'RETRIES_EXHAUSTED', details: { lastCode: 'HUBSPOT_TIMEOUT' }, retryable: true, attempts: 6, failedAt: ago(300) }),
    ];
    await showFixture({ queue: { pending: 0, failed: 4, held: 0 } });
    // Keyboard only: Tab to the toggle, Enter opens, focus lands on the drawer's heading.
    const toggle = page.getByRole('button', { name: 'View 4 failed' });
    await toggle.focus();
    await page.keyboard.press('Enter');
    const drawer = page.getByRole('dialog', { name: 'Failed results (4)' });
    await drawer.getByText('Showing 4 of 4.').waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Failed results (4)');
    await drawer.getByText('HubSpot refused the email address ann@example.con. Correct it in JobCannon and the result is sent again.').waitFor();

    // Nothing pushed off screen: every button and the Reason column inside the 1280 px viewport.
    for (const button of await drawer.getByRole('button').all()) {
      const box = await button.boundingBox();
      expect(box && box.x + box.width).toBeLessThanOrEqual(1280);
    }
    const reason = await drawer.getByRole('columnheader', { name: 'Reason' }).boundingBox();
    expect(reason && reason.x + reason.width).toBeLessThanOrEqual(1280);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
    await state('16-failures-drawer');

    // Every button in reach by Tab, and Tab never leaves the drawer.
    const names = await drawer.getByRole('button').evaluateAll((buttons) => buttons.map((button) => button.getAttribute('aria-label') ?? button.textContent));
    const reached: string[] = [];
    for (let i = 0; i < names.length + 1; i++) {
      await page.keyboard.press('Tab');
      reached.push(await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent ?? ''));
    }
    expect(reached).toEqual([...names, names[0]]);
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('View 4 failed');
  }, 60_000);
});
