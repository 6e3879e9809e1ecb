import fs from 'node:fs';
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

const here = path.dirname(fileURLToPath(import.meta.url));
// Tests never write into tracked files: screenshots go to a fresh temporary folder unless
// SCREENSHOTS_DIR says where (`pnpm screenshots` points it at docs/screenshots on purpose).
// Without it they are removed after the run; set it to keep them.
const screenshotsFromEnv = process.env.SCREENSHOTS_DIR;
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ORG = 'org-widget-browser';
const HUB = 1001;

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
    app.get('/favicon.ico', (_req, res) => res.status(204).end());
    app.get('/page.js', (_req, res) => res.type('text/javascript').send(script));
    app.get('/', (_req, res) =>
      res.type('html').send(`<!doctype html><html><head><meta charset="utf-8"><title>Integrations</title><style>${css}</style></head><body><div id="root"></div><script type="module" src="/page.js"></script></body></html>`),
    );

    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jc-widget-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      viewport: { width: 1100, height: 640 },
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

  it('connects through the consent page, shows Connected, then Needs reconnect after an uninstall', async () => {
    await page.goto(baseUrl);
    await expect.poll(() => pill().getAttribute('data-state'), { timeout: 15_000 }).toBe('not_connected');
    await shot('1-not-connected');
    await page.getByText('Not connected').first().waitFor();

    await page.getByRole('button', { name: 'Connect HubSpot' }).click();
    await page.waitForURL(`${emulator.url}/oauth/authorize**`);
    await page.getByText('JobCannon').first().waitFor();
    await shot('2-consent');
    await page.getByRole('button', { name: 'Approve' }).click();

    await page.waitForURL(`${baseUrl}/**`);
    await expect.poll(() => pill().getAttribute('data-state'), { timeout: 15_000 }).toBe('connected');
    await page.getByText(/HubSpot connected to acme-demo\.hubspot\.com/).waitFor();
    await page.getByText('acme-demo.hubspot.com').first().waitFor();
    await shot('3-connected');

    await integration.enqueue(completedInvite(ORG, 1));
    await expect.poll(() => emulator.contact(HUB, 'candidate.1@example.com')?.properties.jc_test_status, { timeout: 10_000 }).toBe('completed');
    await page.reload();
    await page.getByText(/Last sync/).first().waitFor();
    await expect.poll(async () => (await page.getByText(/Never synced/).count()), { timeout: 10_000 }).toBe(0);
    await shot('4-synced');

    // The customer uninstalls the app in HubSpot; the next push finds out (401, refused refresh).
    emulator.uninstall(HUB);
    await integration.enqueue(completedInvite(ORG, 2));
    await expect.poll(async () => (await integration.status(ORG)).status, { timeout: 10_000 }).toBe('must_reconnect');
    await page.reload();
    await expect.poll(() => pill().getAttribute('data-state'), { timeout: 15_000 }).toBe('must_reconnect');
    await page.getByText('Needs reconnect').first().waitFor();
    expect(await page.getByRole('alert').first().textContent()).toMatch(/Reconnect HubSpot/);
    await page.getByRole('button', { name: 'Reconnect HubSpot' }).first().waitFor();
    await shot('5-needs-reconnect');
  }, 120_000);
});
