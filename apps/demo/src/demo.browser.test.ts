// The whole story in a real browser (headless Debian Chromium via playwright-core), against the
// demo started in-process as `pnpm demo` runs it (demo-runner.ts): embedded PGlite on disk in a
// temporary data directory, the emulator on a free port keeping its state next to it, the page built
// by Vite. Midway the server is restarted and must find the connection and the contacts intact; at
// the end "Reset demo" must start clean. Screenshots of each step go to $SCREENSHOTS_DIR/demo-*.png,
// or to a fresh temporary folder: a test run never rewrites the committed docs/screenshots
// (`pnpm screenshots` refreshes those on purpose).
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PROPERTY_NAMES, type Logger } from '@jobcannon/hubspot-core';
import type { Emulator } from '@jobcannon/hubspot-emulator';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import type { DemoServer } from './demo-app.js';
import { runDemo, type DemoRunner } from './demo-runner.js';
import { BAD_EMAIL, BAD_SCORE_EMAIL, PAST_INVITES } from './invites/past-invites.js';

/** Debian's Chromium unless the machine keeps it elsewhere. */
const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const HUB_ID = 1001;
/** Generous: a loaded CI machine runs every vitest project at once. */
const WAIT = { timeout: 30_000, interval: 100 };
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
  let runner: DemoRunner;
  let context: BrowserContext;
  let page: Page;
  const logger = recordingLogger();
  const demo = (): DemoServer => runner.current;
  const emulator = (): Emulator => runner.current.emulator!;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'jc-demo-browser-'));
    screenshots = process.env.SCREENSHOTS_DIR ? path.resolve(process.env.SCREENSHOTS_DIR) : path.join(tmp, 'screenshots');
    await mkdir(screenshots, { recursive: true });
    const config = loadConfig({ PORT: '0', EMULATOR_PORT: '0', DEMO_DATA_DIR: path.join(tmp, 'data') });
    [runner, context] = await Promise.all([
      runDemo({ config, logger, web: { kind: 'build', outDir: path.join(tmp, 'web') }, emulator: { seed: 42 } }),
      chromium.launchPersistentContext(path.join(tmp, 'profile'), {
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: { width: 1100, height: 1200 },
      }),
    ]);
    page = context.pages()[0] ?? (await context.newPage());
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await runner?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  // playwright-core has no assertion library: poll the page with vitest's expect instead.
  const text = (locator: Locator) => () => locator.textContent({ timeout: 5_000 });
  const attribute = (locator: Locator, name: string) => () => locator.getAttribute(name, { timeout: 5_000 });
  const visible = (locator: Locator, timeout = WAIT.timeout) => locator.waitFor({ state: 'visible', timeout });
  const property = (email: string, name: string) => () => emulator().contact(HUB_ID, email)?.properties[name] ?? null;

  // The window as a person sees it, from the top unless the step scrolled on purpose: the invites
  // table below grows with every step, so a full-page shot would be mostly table.
  const shot = async (name: string, target: Page = page, options: { keepScroll?: boolean } = {}) => {
    if (!options.keepScroll) await target.evaluate(() => window.scrollTo(0, 0));
    await target.screenshot({ path: path.join(screenshots, `demo-${name}.png`) });
  };
  const row = () => page.locator('section[data-state]').first();
  const pill = () => row().locator('[aria-live="polite"][data-state]');
  const lastSync = () => row().locator('p', { hasText: 'Last sync' }).locator('time').getAttribute('datetime');
  const inviteRow = (email: string) => page.locator('tr[data-invite-id]', { hasText: email });

  async function signIn(orgId: 'acme' | 'globex', who: string) {
    await page.selectOption('#org', orgId);
    await page.getByRole('radio', { name: 'admin' }).check();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(text(page.getByTestId('who')), WAIT).toBe(`${who} · admin`);
  }

  async function signOut() {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await visible(page.getByRole('button', { name: 'Sign in' }));
  }

  async function approveOnEmulator(screenshot?: string) {
    await page.waitForURL(`${emulator().url}/oauth/authorize**`);
    await expect.poll(text(page.locator('#consent-title')), WAIT).toContain('Connect JobCannon to HubSpot');
    await page.selectOption('#hub_id', String(HUB_ID));
    if (screenshot) await shot(screenshot);
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(`${demo().url}/**`);
  }

  async function fillInvite(email: string, tests: string[], name: [string, string] = ['', '']) {
    await page.fill('#invite-first-name', name[0]);
    await page.fill('#invite-last-name', name[1]);
    await page.fill('#invite-email', email);
    for (const label of ['DISC', 'Big Five', 'IQ', 'Integrity', 'MBTI', 'RIASEC']) {
      const box = page.getByRole('checkbox', { name: label, exact: true });
      if (tests.includes(label)) await box.check();
      else await box.uncheck();
    }
    await page.getByRole('button', { name: 'Create invite' }).click();
  }

  /** Creates the invite and completes it; returns its id. */
  async function inviteAndComplete(email: string, tests: string[], name?: [string, string]): Promise<string> {
    const before = await page.locator('tr[data-invite-id]', { hasText: email }).count();
    await fillInvite(email, tests, name);
    const invite = inviteRow(email).and(page.locator('[data-status="invited"]'));
    await expect.poll(() => invite.count(), WAIT).toBe(1);
    const id = (await invite.getAttribute('data-invite-id'))!;
    const created = page.locator(`tr[data-invite-id="${id}"]`);
    await created.getByRole('button', { name: 'Complete with random scores' }).click();
    await expect.poll(attribute(created, 'data-status'), WAIT).toBe('completed');
    expect(await inviteRow(email).count()).toBe(before + 1);
    return id;
  }

  it('tells the whole story: connect, names, refused emails, per-test merge, backfill, fixable failures, the invite page, restart, shared portal, reset', async () => {
    const pastAcme = PAST_INVITES.acme!;

    // 1. Sign in as Acme's admin. A fresh demo already has Acme's past completed invites.
    await page.goto(demo().url);
    await shot('01-sign-in');
    await signIn('acme', 'Acme');
    await expect.poll(text(pill()), WAIT).toMatch(/Not connected$/);
    await expect.poll(() => page.locator('tr[data-status="completed"]').count(), WAIT).toBe(pastAcme);
    await shot('02-not-connected');

    // 2. Connect HubSpot: the consent page, Approve, back with the green banner and the backfill offer.
    await row().getByRole('button', { name: 'Connect HubSpot' }).click();
    await approveOnEmulator('03-consent');
    await visible(row().getByRole('status').filter({ hasText: 'HubSpot connected to acme-demo.hubspot.com.' }));
    await expect.poll(text(pill()), WAIT).toMatch(/: Connected$/);
    expect(new URL(page.url()).search).toBe('');
    await visible(row().getByText(`Send ${pastAcme} past results to HubSpot?`));
    await shot('04-connected-backfill-offered');

    // 3. The invite form applies HubSpot's email rules before anything is stored.
    await fillInvite('ada@example.test', ['DISC']);
    await visible(page.getByRole('alert').filter({ hasText: '“.test” is not a top-level domain' }));
    await fillInvite(`${'a'.repeat(300)}@example.com`, ['DISC']);
    await visible(page.getByRole('alert').filter({ hasText: 'The part before the @ has 300 characters; HubSpot accepts at most 64.' }));
    expect(await inviteRow('@example.test').count()).toBe(0);
    await shot('05-invite-email-refused');

    // 4. Ada finishes DISC and Big Five: the contact lands with her name (contactNames).
    const adaFirst = await inviteAndComplete('ada.lovelace@example.com', ['DISC', 'Big Five'], ['Ada', 'Lovelace']);
    await expect.poll(property('ada.lovelace@example.com', 'jc_test_status'), WAIT).toBe('completed');
    expect(emulator().contact(HUB_ID, 'ada.lovelace@example.com')!.properties).toMatchObject({ firstname: 'Ada', lastname: 'Lovelace' });
    const disc = emulator().contact(HUB_ID, 'ada.lovelace@example.com')!.properties.jc_disc_d;
    expect(disc).toMatch(/^\d+$/);

    // 5. Re-invited for IQ only: her DISC and Big Five stay on the contact (latest-per-test merge).
    const adaSecond = await inviteAndComplete('ada.lovelace@example.com', ['IQ'], ['Ada', 'Lovelace']);
    await expect.poll(property('ada.lovelace@example.com', 'jc_iq_score'), WAIT).toMatch(/^\d+$/);
    const ada = emulator().contact(HUB_ID, 'ada.lovelace@example.com')!;
    expect(ada.properties.jc_disc_d).toBe(disc);
    expect(ada.properties.jc_bigfive_o).toMatch(/^\d+$/);
    expect(ada.properties.jc_result_url).toBe(`${demo().url}/business/dashboard/invites/${adaSecond}`);
    expect(adaSecond).not.toBe(adaFirst);
    await visible(row().locator('p', { hasText: 'Last sync' }));
    // Recent activity is folded; the row is re-read after each completion, so open it once settled.
    await expect.poll(text(pill()), WAIT).toMatch(/: Connected$/);
    await row().locator('summary', { hasText: 'Recent activity' }).click();
    await visible(row().getByRole('link', { name: 'View in HubSpot: ada.lovelace@example.com' }).first());
    await shot('06-per-test-merge');

    // The contact in the emulator, by the row's View in HubSpot link.
    const [contactPage] = await Promise.all([context.waitForEvent('page'), row().getByRole('link', { name: 'View in HubSpot: ada.lovelace@example.com' }).first().click()]);
    await contactPage.waitForLoadState();
    await expect.poll(() => contactPage.content(), WAIT).toContain(disc!);
    await shot('07-contact-in-hubspot', contactPage);
    await contactPage.close();

    // 6. The backfill: Acme's past results, with the progress bar, two of them refused.
    await row().getByRole('button', { name: 'Send past results' }).click();
    await visible(row().getByText(/^Sent \d+ past results? to HubSpot/), 60_000);
    await expect.poll(() => emulator().contacts(HUB_ID).length, WAIT).toBe(pastAcme - 2 + 1);
    await expect.poll(() => row().getByRole('button', { name: 'View 2 failed' }).count(), WAIT).toBe(1);
    await shot('08-backfill-done');

    // 7. The failures say what is wrong and how to fix it; both are fixed in JobCannon.
    await row().getByRole('button', { name: 'View 2 failed' }).click();
    const drawer = page.getByRole('dialog');
    await visible(drawer.getByText(`HubSpot refused the email address ${BAD_EMAIL}.`, { exact: false }));
    await visible(drawer.getByText(BAD_SCORE_EMAIL));
    await shot('09-failures');
    await drawer.getByRole('button', { name: 'Close' }).first().click();

    const fixed = BAD_EMAIL.replace(/\.con$/, '.com');
    await inviteRow(BAD_EMAIL).getByRole('button', { name: `Correct ${BAD_EMAIL}` }).click();
    await page.getByRole('textbox', { name: 'Email', exact: true }).fill(fixed);
    await page.getByRole('button', { name: 'Save and send again' }).scrollIntoViewIfNeeded();
    await shot('10-correct-email', page, { keepScroll: true });
    await page.getByRole('button', { name: 'Save and send again' }).click();
    await visible(page.locator('.notice', { hasText: 'The failure of the old address was dismissed.' }));
    await expect.poll(property(fixed, 'jc_test_status'), WAIT).toBe('completed');

    await inviteRow(BAD_SCORE_EMAIL).getByRole('button', { name: `Correct ${BAD_SCORE_EMAIL}` }).click();
    await page.getByRole('spinbutton', { name: 'IQ score' }).fill('118');
    await page.getByRole('button', { name: 'Save and send again' }).click();
    await expect.poll(property(BAD_SCORE_EMAIL, 'jc_iq_score'), WAIT).toBe('118');
    await expect.poll(() => row().getByRole('button', { name: /^View \d+ failed$/ }).count(), WAIT).toBe(0);
    await shot('11-failures-fixed');

    // 8. The candidate's page at jc_result_url, behind sign-in, and back there after signing in.
    await page.goto(ada.properties.jc_result_url!);
    await expect.poll(text(page.getByRole('heading', { level: 2 })), WAIT).toBe('Ada Lovelace');
    await visible(page.locator('tr[data-test="iq"] strong'));
    // Her first invite is listed with its DISC scores: the contact merges both.
    await visible(page.locator(`.other-invite[data-invite-id="${adaFirst}"] tr[data-test="disc"]`));
    await shot('12-invite-page');
    await signOut();
    await page.goto(ada.properties.jc_result_url!);
    await visible(page.getByText('Sign in to see this candidate’s results; you come back here afterwards.'));
    await signIn('acme', 'Acme');
    await expect.poll(text(page.getByRole('heading', { level: 2 })), WAIT).toBe('Ada Lovelace');
    expect(new URL(page.url()).pathname).toBe(`/business/dashboard/invites/${adaSecond}`);
    await page.goto(demo().url);

    // 9. A candidate half-way through shows up only with the nightly sweep (run from the panel here).
    await fillInvite('alan.turing@example.com', ['DISC', 'IQ'], ['Alan', 'Turing']);
    const alan = inviteRow('alan.turing@example.com');
    await alan.getByRole('button', { name: 'DISC …' }).click();
    await expect.poll(attribute(alan, 'data-status'), WAIT).toBe('in_progress');
    await page.getByRole('button', { name: 'Run the nightly sweep now' }).click();
    await visible(page.locator('.notice', { hasText: 'Sweep: 1 in-progress invite queued' }));
    await expect.poll(property('alan.turing@example.com', 'jc_test_status'), WAIT).toBe('in_progress');

    // 10. Restart the server: the connection, the emulator's contacts and the tokens are intact.
    const contactsBefore = emulator().contacts(HUB_ID).length;
    const syncBefore = await lastSync();
    await runner.restart();
    await page.goto(demo().url);
    // Sessions live in memory: sign in again.
    await signIn('acme', 'Acme');
    await expect.poll(text(pill()), WAIT).toMatch(/: Connected$/);
    expect(emulator().contacts(HUB_ID)).toHaveLength(contactsBefore);
    await visible(row().locator('p', { hasText: 'Last sync' }));
    await inviteAndComplete('grace.hopper@example.com', ['MBTI'], ['Grace', 'Hopper']);
    await expect.poll(property('grace.hopper@example.com', 'jc_mbti_type'), WAIT).toMatch(/^[EI][SN][TF][JP]$/);
    await expect.poll(lastSync, WAIT).not.toBe(syncBefore);
    await shot('13-after-restart');

    // 11. The customer uninstalls the app in HubSpot; the next push is refused and held.
    emulator().uninstall(HUB_ID);
    emulator().expireAccessTokens(HUB_ID);
    await inviteAndComplete('katherine.johnson@example.com', ['DISC', 'IQ'], ['Katherine', 'Johnson']);
    await expect.poll(text(pill()), WAIT).toMatch(/Needs reconnect$/);
    await expect.poll(text(row()), WAIT).toMatch(/Held\s*1/);
    expect(logger.lines.some((line) => line.startsWith('ALERT for the account owner of acme'))).toBe(true);
    await shot('14-needs-reconnect');
    await row().getByRole('button', { name: 'Reconnect HubSpot' }).click();
    await approveOnEmulator();
    await expect.poll(property('katherine.johnson@example.com', 'jc_test_status'), WAIT).toBe('completed');
    await expect.poll(text(pill()), WAIT).toMatch(/: Connected$/);

    // 12. Globex's admin picks the same HubSpot account: warned first, then both send there.
    await signOut();
    await signIn('globex', 'Globex');
    await row().getByRole('button', { name: 'Connect HubSpot' }).click();
    await approveOnEmulator();
    await visible(row().getByText('is already used by another JobCannon organization', { exact: false }));
    await shot('15-shared-portal-warning');
    await row().getByRole('button', { name: 'Connect anyway' }).click();
    await approveOnEmulator();
    await expect.poll(text(pill()), WAIT).toMatch(/: Connected$/);
    await visible(row().getByText('1 other JobCannon organization uses this HubSpot account too', { exact: false }));
    await shot('16-shared-portal-connected');

    // The kit's figures for Prometheus, outside the session.
    const metrics = await fetch(`${demo().url}/metrics`);
    expect(metrics.status).toBe(200);

    // 13. Reset demo: everything is deleted and the demo starts clean (past invites written again).
    await page.getByRole('button', { name: 'Reset demo' }).click();
    await page.getByRole('button', { name: 'Delete and start clean' }).click();
    await visible(page.getByRole('button', { name: 'Sign in' }), 120_000);
    await signIn('acme', 'Acme');
    await expect.poll(text(pill()), WAIT).toMatch(/Not connected$/);
    await expect.poll(() => page.locator('tr[data-invite-id]').count(), WAIT).toBe(pastAcme);
    expect(emulator().contacts(HUB_ID)).toHaveLength(0);
    expect(emulator().state.installs.size).toBe(0);
    await shot('17-after-reset');
    expect(PROPERTY_NAMES).toHaveLength(17);
  }, 600_000);
});
