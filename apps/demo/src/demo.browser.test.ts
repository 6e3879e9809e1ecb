// The whole story in a real browser (headless Debian Chromium via playwright-core), against the
// demo started in-process: in-memory PGlite, the emulator on a free port, the page built by Vite.
// Screenshots of each step go to $SCREENSHOTS_DIR/demo-*.png, or to a fresh temporary folder: a test
// run never rewrites the committed docs/screenshots (`pnpm screenshots` refreshes those on purpose).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PROPERTY_NAMES, type Logger } from '@jobcannon/hubspot-core';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { startDemo, type DemoServer } from './demo-app.js';

/** Debian's Chromium unless the machine keeps it elsewhere. */
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const HUB_ID = 1001;
/** Generous: a loaded CI machine runs every vitest project at once. */
const WAIT = { timeout: 15_000, interval: 100 };
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

/** Keeps what the kit logs, so the test can see the must-reconnect alert reach the terminal. */
function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const keep = (message: string) => void lines.push(message);
  return { lines, debug: () => {}, info: () => {}, warn: keep, error: keep };
}

describe('the demo in a browser', () => {
  let tmp: string;
  let screenshots: string;
  let demo: DemoServer;
  let context: BrowserContext;
  let page: Page;
  const logger = recordingLogger();

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'jc-demo-browser-'));
    screenshots = process.env.SCREENSHOTS_DIR ? path.resolve(process.env.SCREENSHOTS_DIR) : path.join(tmp, 'screenshots');
    await mkdir(screenshots, { recursive: true });
    const config = loadConfig({ PORT: '0', EMULATOR_PORT: '0', DEMO_DATA_DIR: path.join(tmp, 'data') });
    [demo, context] = await Promise.all([
      startDemo({ config, inMemoryDatabase: true, logger, web: { kind: 'build', outDir: path.join(tmp, 'web') }, emulator: { seed: 42 } }),
      chromium.launchPersistentContext(path.join(tmp, 'profile'), {
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: { width: 1100, height: 900 },
      }),
    ]);
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close();
    await demo?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  // playwright-core has no assertion library: poll the page with vitest's expect instead.
  const text = (locator: Locator) => () => locator.textContent({ timeout: 5_000 });
  const attribute = (locator: Locator, name: string) => () => locator.getAttribute(name, { timeout: 5_000 });
  const visible = (locator: Locator, timeout = 10_000) => locator.waitFor({ state: 'visible', timeout });

  const shot = (name: string, target: Page = page) => target.screenshot({ path: path.join(screenshots, `demo-${name}.png`), fullPage: true });
  const row = () => page.locator('section[data-state]').first();
  const pill = () => row().locator('[aria-live="polite"][data-state]');
  const lastSync = () => row().locator('p', { hasText: 'Last sync' }).locator('time').getAttribute('datetime');

  async function approveOnEmulator(screenshot?: string) {
    await page.waitForURL(`${demo.emulator!.url}/oauth/authorize**`);
    await expect.poll(text(page.locator('#consent-title')), WAIT).toContain('Connect JobCannon to HubSpot');
    await page.selectOption('#hub_id', String(HUB_ID));
    if (screenshot) await shot(screenshot);
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(`${demo.url}/**`);
  }

  async function inviteAndComplete(email: string, tests: string[]) {
    await page.fill('#invite-email', email);
    for (const label of ['DISC', 'Big Five', 'IQ', 'Integrity', 'MBTI', 'RIASEC']) {
      const box = page.getByRole('checkbox', { name: label, exact: true });
      if (tests.includes(label)) await box.check();
      else await box.uncheck();
    }
    await page.getByRole('button', { name: 'Create invite' }).click();
    const invite = page.locator('tr[data-invite-id]', { hasText: email });
    await expect.poll(attribute(invite, 'data-status'), WAIT).toBe('invited');
    await invite.getByRole('button', { name: 'Complete with random scores' }).click();
    await expect.poll(attribute(invite, 'data-status'), WAIT).toBe('completed');
  }

  it('signs in, connects, pushes a completed invite, survives an uninstall and delivers the held result after reconnecting', async () => {
    const emulator = demo.emulator!;

    // 1. Sign in as Acme's admin.
    await page.goto(demo.url);
    await page.selectOption('#org', 'acme');
    await page.getByRole('radio', { name: 'admin' }).check();
    await shot('01-sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(text(page.getByTestId('who')), WAIT).toBe('Acme · admin');
    await expect.poll(text(pill()), WAIT).toMatch(/Not connected$/);
    await shot('02-not-connected');

    // 2. Connect HubSpot: the emulator's consent page, Approve, back with the green banner.
    await row().getByRole('button', { name: 'Connect HubSpot' }).click();
    await approveOnEmulator('03-consent');
    await visible(row().getByRole('status').filter({ hasText: 'HubSpot connected to acme-demo.hubspot.com.' }));
    await expect.poll(text(pill()), WAIT).toMatch(/: Connected$/);
    expect(new URL(page.url()).search).toBe('');
    await visible(row().getByText('Never synced'));
    await shot('04-connected');

    // 3. A candidate finishes all six tests: the contact lands with all 17 properties.
    await inviteAndComplete('ada.lovelace@example.com', ['DISC', 'Big Five', 'IQ', 'Integrity', 'MBTI', 'RIASEC']);
    await expect.poll(() => emulator.contact(HUB_ID, 'ada.lovelace@example.com')?.properties.jc_test_status ?? null, WAIT).toBe('completed');
    const ada = emulator.contact(HUB_ID, 'ada.lovelace@example.com')!;
    for (const name of PROPERTY_NAMES) expect(ada.properties[name], name).toMatch(/\S/);
    expect(PROPERTY_NAMES).toHaveLength(17);
    await expect.poll(text(pill()), WAIT).toMatch(/: Connected$/);
    await visible(row().locator('p', { hasText: 'Last sync' }));
    expect(await lastSync()).toBeTruthy();
    await shot('05-synced');

    // A candidate half-way through shows up only with the nightly sweep (run from the panel here).
    await page.fill('#invite-email', 'alan.turing@example.com');
    await page.getByRole('button', { name: 'Create invite' }).click();
    const alan = page.locator('tr[data-invite-id]', { hasText: 'alan.turing@example.com' });
    await alan.getByRole('button', { name: 'DISC …' }).click();
    await expect.poll(attribute(alan, 'data-status'), WAIT).toBe('in_progress');
    await page.getByRole('button', { name: 'Run the nightly sweep now' }).click();
    await visible(page.locator('.notice', { hasText: 'Sweep: 1 in-progress invite queued' }));
    await expect.poll(() => emulator.contact(HUB_ID, 'alan.turing@example.com')?.properties.jc_test_status ?? null, WAIT).toBe('in_progress');
    expect(emulator.contact(HUB_ID, 'alan.turing@example.com')!.properties.jc_disc_d).toMatch(/^\d+$/);

    // The page links to the emulator's contacts view of the connected portal.
    const [contactsPage] = await Promise.all([context.waitForEvent('page'), page.locator('#emulator-contacts-link').click()]);
    await contactsPage.waitForLoadState();
    await expect.poll(text(contactsPage.locator('tr[data-email="ada.lovelace@example.com"] td[data-property="jc_mbti_type"]')), WAIT).toBe(ada.properties.jc_mbti_type);
    await shot('06-emulator-contacts', contactsPage);
    await contactsPage.close();

    // 4. The customer uninstalls the app in HubSpot; the next push needs a fresh token and is refused.
    emulator.uninstall(HUB_ID);
    emulator.expireAccessTokens(HUB_ID);
    await inviteAndComplete('grace.hopper@example.com', ['DISC', 'IQ']);
    await expect.poll(text(pill()), WAIT).toMatch(/Needs reconnect$/);
    await visible(row().getByRole('button', { name: 'Reconnect HubSpot' }));
    await expect.poll(text(row()), WAIT).toMatch(/Held\s*1/);
    expect(emulator.contact(HUB_ID, 'grace.hopper@example.com')).toBeUndefined();
    expect(logger.lines.some((line) => line.startsWith('ALERT for the account owner of acme'))).toBe(true);
    const syncBeforeReconnect = await lastSync();
    await shot('07-needs-reconnect');

    // 5. Reconnect: the held result arrives and Last sync moves on.
    await row().getByRole('button', { name: 'Reconnect HubSpot' }).click();
    await approveOnEmulator();
    await visible(row().getByRole('status').filter({ hasText: 'HubSpot connected to acme-demo.hubspot.com.' }));
    await expect.poll(() => emulator.contact(HUB_ID, 'grace.hopper@example.com')?.properties.jc_test_status ?? null, WAIT).toBe('completed');
    // No reload: the row polls while the held result is being pushed, then settles on Connected.
    await expect.poll(text(pill()), WAIT).toMatch(/: Connected$/);
    await expect.poll(lastSync, WAIT).not.toBe(syncBeforeReconnect);
    await shot('08-reconnected');

    // Random candidates in bulk, with the progress bar.
    await page.fill('#generate-count', '4');
    await page.getByRole('button', { name: 'Generate 4 completed invites' }).click();
    await visible(page.locator('.notice', { hasText: 'Generated 4 completed invites.' }), 15_000);
    expect(await page.locator('progress').getAttribute('value')).toBe('4');
    await expect.poll(() => emulator.contacts(HUB_ID).length, WAIT).toBe(7);

    const contactsAfter = await context.newPage();
    await contactsAfter.goto(`${emulator.url}/_emulator/ui/portals/${HUB_ID}`);
    await expect.poll(text(contactsAfter.locator('#contact-count')), WAIT).toBe('7 contacts');
    await shot('09-emulator-after-reconnect', contactsAfter);
    await contactsAfter.close();
  });
});
