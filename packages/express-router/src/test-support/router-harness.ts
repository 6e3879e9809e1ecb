import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createHubSpotIntegration, generateEncryptionKey, silentLogger, type AssessmentInvite, type HubSpotIntegration, type HubSpotIntegrationOptions, type Logger } from '@jobcannon/hubspot-core';
import { DEFAULT_APP, startEmulator, type Emulator } from '@jobcannon/hubspot-emulator';
import express, { type Express, type Request, type RequestHandler } from 'express';
import request from 'supertest';
import { expect } from 'vitest';
import { createHubSpotRouter } from '../create-hubspot-router.js';
import type { HubSpotRouterOptions } from '../create-hubspot-router.js';
import type { HubSpotRouterIdentity } from '../router-options.js';
import { completedInvite as coreCompletedInvite, createPostgresTestDatabase, type PostgresTestDatabase } from '@jobcannon/hubspot-core/test-support';

export const MOUNT = '/integrations/hubspot';
export const RETURN_TO = '/settings/integrations';
/** The header the test `authorize` reads: `org/user/role`. Stands in for the host's session cookie. */
export const USER_HEADER = 'x-test-user';

export const user = (orgId: string, userId = 'admin-1', role = 'admin'): Record<string, string> => ({ [USER_HEADER]: `${orgId}/${userId}/${role}` });
/** What the widget sends on every POST. */
export const WIDGET_POST = { 'Content-Type': 'application/json', 'X-Requested-With': 'jobcannon-hubspot-widget' };

export function testAuthorize(req: Request): HubSpotRouterIdentity | null {
  const value = req.get(USER_HEADER);
  if (!value) return null;
  const [orgId = '', userId = '', role = ''] = value.split('/');
  return { orgId, userId, role };
}

export interface AppVariant {
  /** Middleware the host mounts before the router (express.json(), …). */
  before?: RequestHandler[];
  trustProxy?: boolean;
  router?: Partial<HubSpotRouterOptions>;
}

export interface RouterHarness {
  emulator: Emulator;
  database: PostgresTestDatabase;
  integration: HubSpotIntegration;
  /** Added to the integration's clock (OAuth state expiry). */
  clock: { offsetMs: number };
  /** Origin of the real listening server whose router the redirect URI points at. */
  origin: string;
  /** The app listening on `origin` (no body parser before the router). */
  app: Express;
  /** Another host app over the same integration, for supertest. */
  build(variant?: AppVariant): Express;
  /** Every answer of a router in a harness app: status, Location and body, for the leak check. */
  responses: string[];
  errors: string[];
  logger: Logger;
  close(): Promise<void>;
}

/** Records what the router answers, so a suite can prove no token or stack trace ever left it. */
function recordResponses(responses: string[]): RequestHandler {
  return (_req, res, next) => {
    const chunks: Buffer[] = [];
    const keep = (chunk: unknown) => {
      if (typeof chunk === 'string' || chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    };
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => typeof res;
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      keep(chunk);
      return write(chunk, ...rest);
    }) as typeof res.write;
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (typeof chunk !== 'function') keep(chunk);
      return end(chunk, ...rest);
    }) as typeof res.end;
    res.on('finish', () => {
      // Only the router's answers (it marks each no-store): a host body parser's own error page
      // (express.json() on bad JSON, with Express's development stack trace) is the host's to configure.
      if (res.getHeader('cache-control') !== 'no-store') return;
      responses.push(`${res.statusCode} ${String(res.getHeader('location') ?? '')} ${Buffer.concat(chunks).toString('utf8')}`);
    });
    next();
  };
}

export interface HarnessOptions {
  /** Integration options on top of the harness's (e.g. `sharedPortals`, `backfill`). */
  integration?: Partial<Pick<HubSpotIntegrationOptions, 'sharedPortals' | 'backfill' | 'pushOnEnqueue' | 'mergePolicy'>>;
}

export async function startRouterHarness(harnessOptions: HarnessOptions = {}): Promise<RouterHarness> {
  const emulator = await startEmulator({ port: 0, seed: 11 });
  const database = await createPostgresTestDatabase('router');
  const responses: string[] = [];
  const errors: string[] = [];
  const logger: Logger = { ...silentLogger, error: (message, fields) => errors.push(`${message} ${JSON.stringify(fields)}`) };
  const clock = { offsetMs: 0 };

  // The redirect URI must name a real port, so the server listens before the router exists.
  const app = express();
  app.use(recordResponses(responses));
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const integration = createHubSpotIntegration({
    db: database.db,
    hubspot: {
      clientId: DEFAULT_APP.clientId,
      clientSecret: DEFAULT_APP.clientSecret,
      redirectUri: `${origin}${MOUNT}/callback`,
      apiBase: emulator.url,
      authBase: emulator.url,
    },
    encryption: { currentKeyId: 'k1', keys: { k1: generateEncryptionKey() } },
    resultUrlBase: 'https://app.jobcannon.io',
    // Tests drain by hand, so nothing races them in the background.
    pushOnEnqueue: false,
    requestTimeoutMs: 5_000,
    clock: { now: () => Date.now() + clock.offsetMs },
    // Many suites connect several orgs to the two emulated portals; the shared-portal suite asks for `confirm`.
    sharedPortals: 'allow',
    ...harnessOptions.integration,
  });
  await integration.migrate();

  const build = (variant: AppVariant = {}): Express => {
    const host = express();
    if (variant.trustProxy) host.set('trust proxy', true);
    host.use(recordResponses(responses));
    for (const middleware of variant.before ?? []) host.use(middleware);
    host.use(MOUNT, createHubSpotRouter(integration, { authorize: testAuthorize, returnTo: RETURN_TO, logger, ...variant.router }));
    return host;
  };
  app.use(MOUNT, createHubSpotRouter(integration, { authorize: testAuthorize, returnTo: RETURN_TO, logger }));

  return {
    emulator,
    database,
    integration,
    clock,
    origin,
    app,
    build,
    responses,
    errors,
    logger,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await integration.close();
      await emulator.close();
      await database.drop();
    },
  };
}

/**
 * The nonce cookie each state's starting browser got from /connect (`name=value`), by state:
 * `finishCallback` sends it back by default, as the same browser would.
 */
const browserCookies = new Map<string, string>();

/** The `name=value` of the OAuth nonce cookie a response set, or null. */
export function nonceCookieOf(setCookie: string | string[] | undefined): string | null {
  const cookies = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const cookie = cookies.find((value) => /^(__Host-)?jc_hubspot_oauth=[^;]+/.test(value));
  return cookie ? (cookie.split(';')[0] ?? null) : null;
}

function rememberBrowser(authorizeUrl: URL, setCookie: string | string[] | undefined): URL {
  const cookie = nonceCookieOf(setCookie);
  const state = authorizeUrl.searchParams.get('state');
  if (cookie && state) browserCookies.set(state, cookie);
  return authorizeUrl;
}

/** GET /connect as `headers`' user; returns HubSpot's (the emulator's) authorize URL. */
export async function startConnect(app: Express, headers: Record<string, string>, query = ''): Promise<URL> {
  const res = await request(app).get(`${MOUNT}/connect${query}`).set(headers).expect(302);
  return rememberBrowser(new URL(res.headers.location ?? ''), res.headers['set-cookie']);
}

/** POST /connect as the widget sends it (the portal-change confirmation); returns the authorize URL it answers. */
export async function startConnectByPost(app: Express, headers: Record<string, string>, body: unknown = { allowPortalChange: true }): Promise<URL> {
  const res = await request(app).post(`${MOUNT}/connect`).set({ ...headers, ...WIDGET_POST }).send(JSON.stringify(body)).expect(200);
  return rememberBrowser(new URL((res.body as { url: string }).url), res.headers['set-cookie']);
}

export interface ConsentChoice {
  decision?: 'approve' | 'deny';
  hubId?: number;
  /** Replace the requested scopes (a user editing the URL, or a portal granting less). */
  scopes?: string[];
}

/** The consent page, driven like a browser: returns the callback path and query HubSpot redirects to. */
export async function consent(authorizeUrl: URL, choice: ConsentChoice = {}): Promise<string> {
  const url = new URL(authorizeUrl);
  url.searchParams.set('_emulator_auto', choice.decision ?? 'approve');
  url.searchParams.set('hub_id', String(choice.hubId ?? 1001));
  if (choice.scopes) url.searchParams.set('scope', choice.scopes.join(' '));
  const response = await fetch(url, { redirect: 'manual' });
  const location = response.headers.get('location');
  if (response.status !== 302 || location === null) throw new Error(`consent did not redirect: ${response.status} ${await response.text()}`);
  const target = new URL(location);
  return `${target.pathname}${target.search}`;
}

/** Where the callback sent the browser, parsed. */
export function outcomeOf(location: string | undefined): { path: string; hubspot: string | null; reason: string | null } {
  const url = new URL(location ?? '', 'http://host.invalid');
  return { path: url.pathname, hubspot: url.searchParams.get('hubspot'), reason: url.searchParams.get('reason') };
}

export interface CallbackBrowser {
  /**
   * The Cookie header the browser sends: by default the nonce cookie of the browser that started
   * this state; null for another browser (none), or a string of its own.
   */
  cookie?: string | null;
}

/** The Cookie header the browser that started this callback's state sends (`{}` when none is known). */
export function startingBrowser(callbackPath: string): Record<string, string> {
  const cookie = browserCookies.get(new URL(callbackPath, 'http://host.invalid').searchParams.get('state') ?? '');
  return cookie ? { Cookie: cookie } : {};
}

/** Runs the callback path on `app` (optionally signed in) and returns the outcome. */
export async function finishCallback(app: Express, callbackPath: string, headers: Record<string, string> = {}, browser: CallbackBrowser = {}) {
  const state = new URL(callbackPath, 'http://host.invalid').searchParams.get('state') ?? '';
  const cookie = browser.cookie === undefined ? (browserCookies.get(state) ?? null) : browser.cookie;
  const res = await request(app)
    .get(callbackPath)
    .set({ ...headers, ...(cookie ? { Cookie: cookie } : {}) })
    .expect(302);
  return outcomeOf(res.headers.location);
}

/** The whole browser round trip for an admin of `orgId`, approving on portal `hubId`; resolves once the property setup has run. */
export async function connectOrg(app: Express, orgId: string, hubId = 1001, query = ''): Promise<void> {
  const callback = await consent(await startConnect(app, user(orgId), query), { hubId });
  expect(await finishCallback(app, callback, user(orgId))).toEqual({ path: RETURN_TO, hubspot: 'connected', reason: null });
  await waitForSetup(app, orgId);
}

/**
 * The callback answers at once and the property setup runs in the background: waits (via GET
 * /status) until it has finished. A loop rather than expect.poll, which only works inside a test.
 */
export async function waitForSetup(app: Express, orgId: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = (await request(app).get(`${MOUNT}/status`).set(user(orgId)).expect(200)).body as { setup: { state: string } | null; bootstrap: unknown };
    if (report.bootstrap !== null && report.setup?.state !== 'running') return;
    if (Date.now() > deadline) throw new Error(`the property setup of ${orgId} did not finish within ${timeoutMs} ms: ${JSON.stringify(report.setup)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A completed invite (core's test invite); `email` decides whether HubSpot accepts it. */
export function completedInvite(orgId: string, id: string, email: string): AssessmentInvite {
  return coreCompletedInvite(orgId, 0, { id, email });
}

/** Asserts no recorded response carries a token, the client secret or a stack trace. */
export function expectNothingLeaked(harness: RouterHarness): void {
  const secrets = [...harness.emulator.state.accessTokens.keys(), ...harness.emulator.state.refreshTokens.keys(), DEFAULT_APP.clientSecret];
  expect(harness.responses.length).toBeGreaterThan(0);
  for (const response of harness.responses) {
    for (const secret of secrets) expect(response).not.toContain(secret);
    expect(response).not.toMatch(/\bat .+:\d+:\d+/);
    expect(response).not.toMatch(/node_modules|\.ts:\d+/);
  }
}
