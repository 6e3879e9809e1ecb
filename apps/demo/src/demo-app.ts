import { createServer, type Server } from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  createConsoleLogger,
  createHubSpotIntegration,
  createTelegramNotifier,
  type HubSpotIntegration,
  type Logger,
  type Notifier,
} from '@jobcannon/hubspot-core';
import { startEmulator, DEFAULT_APP, type Emulator, type EmulatorOptions } from '@jobcannon/hubspot-emulator';
import { createHubSpotRouter } from '@jobcannon/hubspot-express';
import { startSweep } from '@jobcannon/hubspot-sweep';
import express from 'express';
import helmet from 'helmet';
import type { Knex } from 'knex';
import { DEMO_ROOT, type DemoConfig } from './config.js';
import { openDatabase } from './database.js';
import { createDemoApi } from './demo-api.js';
import { loadOrCreateEncryptionKey } from './encryption-key.js';
import { migrateInvites } from './invites/invite-migrations.js';
import { seedPastInvites } from './invites/past-invites.js';
import { EMULATOR_STATE_FILE } from './reset.js';
import { createMetricsEndpoint } from './metrics-endpoint.js';
import { completedInvites, inProgressInvites } from './invites/invites-repository.js';
import { createSessionCodec } from './session.js';
import { StartupError } from './startup-error.js';
import { mountWeb, type WebMode } from './web-assets.js';

export interface StartDemoOptions {
  config: DemoConfig;
  /** Tests: a throwaway in-memory PGlite instead of `config.dataDir` (ignored with DATABASE_URL). */
  inMemoryDatabase?: boolean;
  web?: WebMode;
  logger?: Logger;
  /** Extra emulator options (tests pin a seed). */
  emulator?: Partial<EmulatorOptions>;
  /** Called with each step as it starts ("Opening the database…"), for the terminal. */
  onStep?: (message: string) => void;
  /** The admin's "Reset demo" (see demo-runner.ts); without it the button is not offered. */
  requestReset?: () => void;
}

export interface DemoServer {
  /** Where the browser opens the demo, e.g. http://localhost:3000. */
  readonly url: string;
  readonly port: number;
  /** The address the HTTP server is bound to (127.0.0.1 unless HOST says otherwise). */
  readonly boundAddress: string;
  /** The in-process HubSpot emulator; null with a real HubSpot app. */
  readonly emulator: Emulator | null;
  readonly integration: HubSpotIntegration;
  readonly db: Knex;
  close(): Promise<void>;
}

/**
 * Starts the whole demo: HTTP port first (so a taken port fails in a moment, not after the
 * database), then the emulator, the database, the kit, the router, the sweep and the page. Anything
 * already started is stopped again when a later step fails.
 */
export async function startDemo(options: StartDemoOptions): Promise<DemoServer> {
  const { config } = options;
  const logger = options.logger ?? createConsoleLogger('info');
  const step = options.onStep ?? (() => {});
  // Stopped in reverse order of starting: HTTP first, then the sweep, the kit, the database, the emulator.
  const closers: Array<() => Promise<unknown>> = [];
  let server: Server | null = null;
  const closeAll = async () => {
    if (server) await closeServer(server);
    for (const close of closers.reverse()) await close().catch((error: unknown) => logger.warn('demo: shutdown step failed', { message: (error as Error).message }));
  };

  try {
    // Answers 503 until the app is wired, so an early browser tab gets a clear word, not a hang.
    // Even that answer carries the security headers (a strict set: it is plain text).
    let handler: express.Express | null = null;
    const startingHeaders = helmet();
    server = createServer((req, res) => {
      if (handler) {
        handler(req, res);
        return;
      }
      startingHeaders(req, res, () => {
        res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '2' });
        res.end('The JobCannon demo is starting; reload in a moment.\n');
      });
    });
    await listen(server, config.port, config.host, 'PORT');
    const port = (server.address() as AddressInfo).port;

    let emulator: Emulator | null = null;
    if (!config.hubspot) {
      step('Starting the HubSpot emulator…');
      // Always on loopback, whatever HOST says: its control API has no authentication.
      // Its portals, tokens and contacts live next to the embedded database, so a restart resumes.
      const stateFile = options.inMemoryDatabase ? {} : { stateFile: path.join(config.dataDir, EMULATOR_STATE_FILE) };
      emulator = await startEmulator({ port: config.emulatorPort, host: '127.0.0.1', ...stateFile, ...options.emulator }).catch((error: unknown) => {
        throw portError(error, config.emulatorPort, 'EMULATOR_PORT', 'the HubSpot emulator') ?? error;
      });
      closers.push(() => emulator!.close());
    }
    // The browser must come back to the very origin the OAuth redirect names, or the session
    // cookie is not sent with the callback; it is the origin everything else is built on.
    const redirectUri = config.hubspot?.redirectUri ?? `http://${browserHostName(config.host)}:${port}/integrations/hubspot/callback`;
    const origin = new URL(redirectUri).origin;

    let encryptionKey = config.tokenEncryptionKey;
    if (!encryptionKey) {
      const stored = await loadOrCreateEncryptionKey(config.dataDir);
      encryptionKey = stored.key;
      step(stored.created ? `Generated a token encryption key in ${stored.file} (kept for the next start).` : `Using the token encryption key in ${stored.file}.`);
    }

    step(config.databaseUrl ? 'Connecting to PostgreSQL (DATABASE_URL)…' : 'Opening the embedded PostgreSQL…');
    const db = await openDatabase(
      config.databaseUrl ? { kind: 'postgres', url: config.databaseUrl } : { kind: 'embedded', dataDir: options.inMemoryDatabase ? null : config.dataDir },
    );
    closers.push(() => db.destroy());

    const notifier = createNotifier(config, logger);
    // The kit's OpenTelemetry figures, scraped at /metrics (closed after the kit, which stops writing first).
    const metrics = createMetricsEndpoint();
    closers.push(() => metrics.close());
    const integration = createHubSpotIntegration({
      db,
      hubspot: config.hubspot ?? {
        clientId: DEFAULT_APP.clientId,
        clientSecret: DEFAULT_APP.clientSecret,
        redirectUri,
        apiBase: emulator!.url,
        authBase: emulator!.url,
      },
      encryption: { currentKeyId: 'k1', keys: { k1: encryptionKey } },
      // `jc_result_url` on the Contact points back at this demo (see the route below).
      resultUrlBase: origin,
      // The invite form asks for the candidate's name; HubSpot gets it as firstname/lastname.
      contactNames: true,
      // The org's past results, offered after the first connect ("Send 24 past results to HubSpot?").
      backfill: { source: completedInvites(db), mode: 'offered' },
      logger,
      notifier,
      metrics: { meterProvider: metrics.meterProvider },
    });
    // Before the database closes: it stops timers and in-flight pushes.
    closers.push(() => integration.close());
    await integration.migrate();
    await migrateInvites(db);
    const seeded = await seedPastInvites(db);
    if (seeded > 0) step(`Wrote ${seeded} past completed invites (the history the backfill offers to send).`);

    // The retry queue every 5 minutes and the partial sweep at 02:00 UTC, reading JobCannon's own
    // in-progress invites page by page. The panel's "Run the nightly sweep now" runs the latter.
    const sweep = startSweep(integration, { inProgressInvites: inProgressInvites(db), logger });
    closers.push(() => sweep.stop({ cancelInFlight: true }));

    const sessions = createSessionCodec({ encryptionKey, secureCookie: origin.startsWith('https:') });
    const app = express();
    app.disable('x-powered-by');
    app.use(securityHeaders({ origin, authBase: config.hubspot?.authBase ?? emulator!.url, devServer: options.web?.kind === 'dev' }));
    // For a Prometheus scraper, which has no session: counts, durations and portal ids only (no
    // email, token or org name), on the demo's own listener (127.0.0.1 unless HOST says otherwise).
    // Before canonicalHost: a scraper asking 127.0.0.1 gets the figures, not a redirect.
    app.get('/metrics', (req, res) => metrics.handle(req, res));
    app.use(canonicalHost(origin));
    app.use(
      '/integrations/hubspot',
      createHubSpotRouter(integration, {
        authorize: (req) => sessions.read(req),
        returnTo: '/',
        logger,
      }),
    );
    app.use(
      '/api',
      createDemoApi({
        db,
        integration,
        sessions,
        runPartialSweep: () => sweep.runNow('partial'),
        environment: {
          database: config.databaseUrl ? 'postgres' : 'embedded',
          databaseDescription: describeDatabase(config, options.inMemoryDatabase === true),
          hubspot: emulator ? 'emulator' : 'hubspot',
          emulatorUrl: emulator?.url ?? null,
        },
        // Only the demo's own data can be wiped: not a DATABASE_URL, not a real HubSpot portal.
        requestReset: options.requestReset && emulator && !config.databaseUrl ? options.requestReset : null,
        logger,
      }),
    );
    // `jc_result_url` (/business/dashboard/invites/<id>) is a page of the app (web/invite-page.tsx),
    // served by mountWeb's fallback like every page.

    step('Building the page…');
    closers.push(await mountWeb(app, server, options.web ?? { kind: 'build' }));
    handler = app;

    return {
      url: origin,
      port,
      boundAddress: (server.address() as AddressInfo).address,
      emulator,
      integration,
      db,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * What the page's footer says about the database. It reaches the browser, so it names no URL (no
 * host, user or password: the terminal shows the redacted URL) and no path outside the repository.
 */
export function describeDatabase(config: DemoConfig, inMemory: boolean): string {
  if (config.databaseUrl) return 'PostgreSQL (DATABASE_URL)';
  if (inMemory) return 'embedded PostgreSQL (PGlite) in memory';
  const relative = path.relative(path.resolve(DEMO_ROOT, '..', '..'), config.dataDir);
  return `embedded PostgreSQL (PGlite) in ${relative.startsWith('..') || path.isAbsolute(relative) ? 'DEMO_DATA_DIR' : relative}`;
}

/** The name a browser uses for the listening address: localhost for loopback and wildcard binds. */
function browserHostName(host: string): string {
  if (['127.0.0.1', '::1', '0.0.0.0', '::', 'localhost'].includes(host)) return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * helmet's headers on every response. The CSP keeps helmet's defaults (scripts and styles from the
 * demo's own origin; the widget's inline style attributes are allowed by its style-src
 * 'unsafe-inline') and adds HubSpot's (or the emulator's) authorize origin to form-action, since a
 * form POST that redirects to the consent page is checked against it. On plain http (localhost)
 * there is no HSTS and no upgrade-insecure-requests, which would send the page's own requests to
 * https. Vite's dev server injects inline scripts and a websocket, so it runs without a CSP.
 */
function securityHeaders(options: { origin: string; authBase: string; devServer: boolean }): express.RequestHandler {
  const https = options.origin.startsWith('https:');
  return helmet({
    contentSecurityPolicy: options.devServer
      ? false
      : {
          directives: {
            'form-action': ["'self'", new URL(options.authBase).origin],
            'upgrade-insecure-requests': https ? [] : null,
          },
        },
    strictTransportSecurity: https,
  });
}

function createNotifier(config: DemoConfig, logger: Logger): Notifier {
  if (config.telegram) return createTelegramNotifier({ ...config.telegram, logger });
  // Without Telegram the alert still reaches a person: the one watching the terminal.
  return {
    async notify(notification) {
      logger.warn(`ALERT for the account owner of ${notification.orgId}: ${notification.text}`, { kind: notification.kind, portalId: notification.portalId });
    },
  };
}

/**
 * localhost, 127.0.0.1 and [::1] are different sites to a browser, and the session cookie set on
 * one is not sent to another. Pages opened on another loopback name are sent to the origin the
 * OAuth redirect uses, so the round trip through HubSpot comes back signed in.
 */
function canonicalHost(origin: string): express.RequestHandler {
  const canonical = new URL(origin);
  const loopback = new Set(['localhost', '127.0.0.1', '[::1]']);
  return (req, res, next) => {
    const host = req.headers.host ?? '';
    const hostname = host.replace(/:\d+$/, '');
    if (req.method === 'GET' && host !== canonical.host && loopback.has(hostname) && loopback.has(canonical.hostname) && req.accepts('html') && !req.path.startsWith('/api/')) {
      res.redirect(302, `${canonical.origin}${req.originalUrl}`);
      return;
    }
    next();
  };
}

function listen(server: Server, port: number, host: string, variable: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: unknown) => reject(hostError(error, host) ?? portError(error, port, variable, 'the demo') ?? error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function hostError(error: unknown, host: string): StartupError | null {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new StartupError(`HOST=${host} is not an address of this machine; unset HOST to listen on 127.0.0.1, or set HOST=0.0.0.0 for every interface.`, { cause: error });
  }
  return null;
}

function portError(error: unknown, port: number, variable: string, what: string): StartupError | null {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return new StartupError(`Port ${port} is in use; set ${variable}=… to another port for ${what} (${variable}=0 picks a free one).`, { cause: error });
  if (code === 'EACCES') return new StartupError(`Port ${port} needs privileges this user does not have; set ${variable}=… to a port above 1023.`, { cause: error });
  return null;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
