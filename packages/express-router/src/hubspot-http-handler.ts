import type { IncomingMessage, ServerResponse } from 'node:http';
import { createConsoleLogger, HubSpotKitError, isHubSpotKitError, MAX_FAILURE_IDS_PER_CALL, type HubSpotIntegration } from '@jobcannon/hubspot-core';
import { clearNonceCookie, issueNonceCookie, readNonceCookie } from './oauth-nonce-cookie.js';
import { readJsonBody, readRawBody } from './request-body.js';
import { assertSameSite, normalizeOrigin } from './request-origin.js';
import { callbackOutcome, resolveReturnTo, validateReturnToOption, withOutcome } from './return-to.js';
import type { HubSpotHandlerOptions, HubSpotRouterIdentity } from './router-options.js';
import { logError, redirect, sendError, sendJson } from './http-response.js';

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** One request as an adapter hands it over. Node's objects carry the I/O; the rest is what only the adapter knows. */
export interface HubSpotHttpExchange<HostRequest> {
  req: IncomingMessage;
  res: ServerResponse;
  /** What the host's hooks (`authorize`, `isAdmin`, `returnTo`) receive: Express's `req` under the Express adapter. */
  hostRequest: HostRequest;
  /** Path and query below where the handler is mounted, e.g. `/failures?limit=10`. */
  path: string;
  /** `protocol://host[:port]` as the client addressed it (the adapter decides which proxy headers to trust). */
  origin: string;
  /** Path and query as the client addressed them, mount included (the webhook signature covers it). */
  originalUrl: string;
}

/** Answers the exchange if the path is one of ours and resolves true; false leaves it to the host. Never rejects. */
export type HubSpotHttpHandler<HostRequest> = (exchange: HubSpotHttpExchange<HostRequest>) => Promise<boolean>;

interface Call<HostRequest> extends HubSpotHttpExchange<HostRequest> {
  query: URLSearchParams;
}

interface Handler<HostRequest> {
  /** State-changing: the same-site check runs first. */
  mutation?: boolean;
  run(call: Call<HostRequest>): Promise<void>;
}

/** A path's handlers by method; `ANY` takes every method (the webhook decides its own). */
type Route<HostRequest> = Partial<Record<'GET' | 'POST' | 'ANY', Handler<HostRequest>>>;

/**
 * At most this many ids in one `POST /failures/retry` or `/failures/dismiss`, refused before any
 * query (core refuses the same): a 70,000-id list once became a 500 and a log line holding 1 MB of SQL.
 */
export const MAX_RETRY_IDS = MAX_FAILURE_IDS_PER_CALL;

/** A single query value; a repeated one counts as absent (as Express's `qs` arrays did). */
function queryValue(query: URLSearchParams, name: string): string | undefined {
  const values = query.getAll(name);
  return values.length === 1 ? values[0] : undefined;
}

function parseLimit(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1) throw new HubSpotKitError('BAD_REQUEST', '`limit` must be a positive integer.');
  return Number(value);
}

/** `{ ids }` of a retry (optional: absent = all) or a dismiss (required). */
function parseIds(body: unknown, action: 'retry' | 'dismiss'): string[] | undefined {
  const ids = typeof body === 'object' && body !== null ? (body as { ids?: unknown }).ids : undefined;
  if (ids === undefined || ids === null) {
    if (action === 'dismiss') throw new HubSpotKitError('BAD_REQUEST', '`ids` is required: the failures to dismiss.', { details: { field: 'ids' } });
    return undefined;
  }
  if (!Array.isArray(ids)) throw new HubSpotKitError('BAD_REQUEST', '`ids` must be an array of strings.', { details: { field: 'ids' } });
  if (ids.length > MAX_RETRY_IDS) {
    throw new HubSpotKitError('PAYLOAD_TOO_LARGE', `At most ${MAX_RETRY_IDS} ids per ${action}; send them in batches.`, { details: { field: 'ids', limit: MAX_RETRY_IDS, value: ids.length } });
  }
  if (!ids.every((id) => typeof id === 'string')) throw new HubSpotKitError('BAD_REQUEST', '`ids` must be an array of strings.', { details: { field: 'ids' } });
  return ids;
}

/** The admin's confirmations on `POST /connect`: a portal change, a portal another org already uses. */
function parseConnectBody(body: unknown): { allowPortalChange: boolean; allowSharedPortal: boolean } {
  const read = (field: 'allowPortalChange' | 'allowSharedPortal'): boolean => {
    const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[field] : undefined;
    if (value !== undefined && typeof value !== 'boolean') throw new HubSpotKitError('BAD_REQUEST', `\`${field}\` must be a boolean.`, { details: { field } });
    return value === true;
  };
  return { allowPortalChange: read('allowPortalChange'), allowSharedPortal: read('allowSharedPortal') };
}

function validateOptions(integration: HubSpotIntegration, options: HubSpotHandlerOptions<never>): void {
  const invalid = (message: string) => new HubSpotKitError('INVALID_OPTIONS', `createHubSpotRouter: ${message}`);
  if (!integration || typeof integration.completeOAuth !== 'function') throw invalid('pass the integration from createHubSpotIntegration().');
  if (typeof options?.authorize !== 'function') throw invalid('`authorize(req)` is required.');
  validateReturnToOption(options.returnTo);
  if (options.webhookUrl !== undefined && normalizeOrigin(options.webhookUrl) === null) throw invalid('`webhookUrl` must be an absolute http(s) URL.');
  if (options.allowedOrigins?.some((origin) => normalizeOrigin(origin) === null)) throw invalid('`allowedOrigins` must be origins like https://app.example.com.');
}

/** `/Status/` → `/status`: Express routes ignore case and one trailing slash by default, and hosts relied on it. */
function routeKey(pathname: string): string {
  const trimmed = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  return trimmed.toLowerCase();
}

/**
 * The HubSpot integration's HTTP surface without any framework: parsing, authorisation, the
 * same-site check, routing and the error → HTTP mapping, over Node's request and response. The
 * adapters (Express, node:http) only say where it is mounted and how to read the origin. The org
 * acted on is always the session's, never a parameter.
 */
export function createHubSpotHttpHandler<HostRequest>(integration: HubSpotIntegration, options: HubSpotHandlerOptions<HostRequest>): HubSpotHttpHandler<HostRequest> {
  validateOptions(integration, options as HubSpotHandlerOptions<never>);
  const logger = options.logger ?? createConsoleLogger('error');
  const isAdmin = options.isAdmin ?? ((identity: HubSpotRouterIdentity) => identity.role === 'admin');
  const allowedOrigins = new Set((options.allowedOrigins ?? []).map((origin) => normalizeOrigin(origin) ?? origin));
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  async function identify(call: Call<HostRequest>): Promise<HubSpotRouterIdentity | null> {
    const identity = await options.authorize(call.hostRequest);
    if (identity === null || identity === undefined) return null;
    if (typeof identity.orgId !== 'string' || identity.orgId === '' || typeof identity.userId !== 'string' || identity.userId === '') {
      throw new HubSpotKitError('INTERNAL', 'The host’s authorize() returned an identity without a string orgId and userId.');
    }
    return identity;
  }
  async function member(call: Call<HostRequest>): Promise<HubSpotRouterIdentity> {
    const identity = await identify(call);
    if (identity === null) throw new HubSpotKitError('UNAUTHENTICATED', 'Sign in to JobCannon to manage the HubSpot integration.');
    return identity;
  }
  async function admin(call: Call<HostRequest>): Promise<HubSpotRouterIdentity> {
    const identity = await member(call);
    if (!(await isAdmin(identity, call.hostRequest))) throw new HubSpotKitError('FORBIDDEN', 'Only organization admins can manage the HubSpot integration.');
    return identity;
  }

  /** A connect started here: the nonce cookie on the response, its hash bound to the state. */
  async function startConnect(call: Call<HostRequest>, identity: HubSpotRouterIdentity, confirmed: { allowPortalChange: boolean; allowSharedPortal: boolean }): Promise<string> {
    const browserNonce = issueNonceCookie(call.res, call.origin);
    return integration.connectUrl({ orgId: identity.orgId, userId: identity.userId, ...confirmed, browserNonce });
  }

  /**
   * Whether the signed-in org is connected right now, for the callback's "nothing changed" outcome.
   * Any doubt (nobody signed in, the status cannot be read) answers false: the refusal is shown as it is.
   */
  async function connectedNow(identity: HubSpotRouterIdentity | null): Promise<boolean> {
    if (identity === null) return false;
    try {
      return (await integration.status(identity.orgId)).status === 'connected';
    } catch (error) {
      logError(logger, 'callback', error);
      return false;
    }
  }

  /** The same mutation shape for every admin action: same-site, admin, the session's org only. */
  const adminAction = (task: (orgId: string, body: () => Promise<unknown>) => Promise<unknown>): Route<HostRequest> => ({
    POST: {
      mutation: true,
      async run(call) {
        const { orgId } = await admin(call);
        sendJson(call.res, 200, await task(orgId, () => readJsonBody(call.req)));
      },
    },
  });

  const routes: Record<string, Route<HostRequest>> = {
    '/connect': {
      GET: {
        async run(call) {
          // A browser navigates here (not fetch): a refusal goes back to the host page with a reason
          // the widget explains, instead of leaving the admin on a raw JSON page.
          let identity: HubSpotRouterIdentity;
          try {
            identity = await admin(call);
          } catch (error) {
            if (!isHubSpotKitError(error, 'UNAUTHENTICATED') && !isHubSpotKitError(error, 'FORBIDDEN')) throw error;
            redirect(call.res, withOutcome(resolveReturnTo(options.returnTo, call.hostRequest), { hubspot: 'error', reason: error.code }));
            return;
          }
          // Never a portal change: any link can make a GET, so confirming one takes the POST below.
          if (call.query.has('confirmPortalChange')) logger.debug('hubspot router: confirmPortalChange on GET /connect ignored; the widget confirms with POST /connect', { route: 'connect' });
          redirect(call.res, await startConnect(call, identity, { allowPortalChange: false, allowSharedPortal: false }));
        },
      },
      POST: {
        // The admin's confirmation of a portal change or of a portal another organization already
        // uses (the widget's "Switch to the other portal" / "Connect anyway"): same-site checked like every POST, and
        // answered with the consent URL for the page to navigate to (a fetch cannot follow a
        // redirect to HubSpot's consent page); the nonce cookie rides on this answer.
        mutation: true,
        async run(call) {
          const identity = await admin(call);
          const confirmed = parseConnectBody(await readJsonBody(call.req));
          sendJson(call.res, 200, { url: await startConnect(call, identity, confirmed) });
        },
      },
    },
    '/callback': {
      GET: {
        async run(call) {
          // The callback URL holds the code and state: never let it travel on as a Referer.
          call.res.setHeader('Referrer-Policy', 'no-referrer');
          // Resolved first: a host's broken returnTo must fail before the state is spent.
          const destination = resolveReturnTo(options.returnTo, call.hostRequest);
          const browserNonce = readNonceCookie(call.req, call.origin);
          // One state, one nonce: whatever happens next, this browser's nonce is spent.
          clearNonceCookie(call.res, call.origin);
          let identity: HubSpotRouterIdentity | null = null;
          try {
            // Core refuses (before any code exchange) a callback without a signed-in user, or with
            // another user, org or browser than the one that started the connect.
            identity = await identify(call);
            await integration.completeOAuth({
              code: queryValue(call.query, 'code') ?? null,
              state: queryValue(call.query, 'state') ?? null,
              error: queryValue(call.query, 'error') ?? null,
              errorDescription: queryValue(call.query, 'error_description') ?? null,
              expectedOrgId: identity?.orgId ?? null,
              expectedUserId: identity?.userId ?? null,
              browserNonce,
            });
            redirect(call.res, withOutcome(destination, { hubspot: 'connected' }));
          } catch (error) {
            logError(logger, 'callback', error);
            redirect(call.res, withOutcome(destination, await callbackOutcome(error, () => connectedNow(identity))));
          }
        },
      },
    },
    '/status': {
      GET: {
        async run(call) {
          // The report says what this user may do, so the widget shows members no admin-only control.
          const identity = await member(call);
          sendJson(call.res, 200, await integration.status(identity.orgId, { manage: await isAdmin(identity, call.hostRequest) }));
        },
      },
    },
    '/resync': {
      POST: {
        mutation: true,
        async run(call) {
          sendJson(call.res, 200, await integration.resync((await admin(call)).orgId));
        },
      },
    },
    '/disconnect': {
      POST: {
        mutation: true,
        async run(call) {
          await integration.disconnect((await admin(call)).orgId);
          sendJson(call.res, 200, { status: 'disconnected' });
        },
      },
    },
    '/failures': {
      GET: {
        async run(call) {
          const { orgId } = await member(call);
          const limit = parseLimit(queryValue(call.query, 'limit'));
          sendJson(call.res, 200, await integration.failures(orgId, { limit, cursor: queryValue(call.query, 'cursor') || null }));
        },
      },
    },
    '/failures/retry': adminAction(async (orgId, body) => integration.retryFailed(orgId, parseIds(await body(), 'retry'))),
    '/failures/dismiss': adminAction(async (orgId, body) => integration.dismissFailures(orgId, parseIds(await body(), 'dismiss') ?? [])),
    // Sync now: pushes what is waiting without waiting for the next worker pass.
    '/sync': adminAction((orgId) => integration.syncNow(orgId)),
    '/backfill': adminAction((orgId) => integration.startBackfill(orgId)),
    '/backfill/cancel': adminAction((orgId) => integration.cancelBackfill(orgId)),
    '/webhooks': {
      // Core decides everything about a delivery, the method included (405 with Allow: POST).
      ANY: {
        async run(call) {
          const method = call.req.method ?? 'GET';
          const rawBody = method === 'POST' ? await readRawBody(call.req, maxBodyBytes) : new Uint8Array();
          const answer = await integration.handleWebhook({
            method,
            url: options.webhookUrl ?? `${call.origin}${call.originalUrl}`,
            headers: call.req.headers,
            rawBody,
          });
          sendJson(call.res, answer.status, answer.body, answer.headers);
        },
      },
    },
  };

  return async (exchange) => {
    // Split by hand: `new URL('//x/status', base)` would read `x` as a host.
    const queryStart = exchange.path.indexOf('?');
    const pathname = queryStart === -1 ? exchange.path : exchange.path.slice(0, queryStart);
    const query = new URLSearchParams(queryStart === -1 ? '' : exchange.path.slice(queryStart + 1));
    const key = routeKey(pathname);
    const route = Object.prototype.hasOwnProperty.call(routes, key) ? routes[key] : undefined;
    // Unknown paths are the host's: it may mount us at its root.
    if (route === undefined) return false;
    const { res } = exchange;
    res.setHeader('Cache-Control', 'no-store');
    try {
      const method = (exchange.req.method ?? 'GET').toUpperCase();
      const handler = route.ANY ?? (method === 'GET' || method === 'HEAD' ? route.GET : method === 'POST' ? route.POST : undefined);
      if (!handler) {
        const allow = [...(route.GET ? ['GET', 'HEAD'] : []), ...(route.POST ? ['POST'] : [])].join(', ');
        sendError(res, logger, key.slice(1), new HubSpotKitError('METHOD_NOT_ALLOWED', `${method} is not supported here; use ${allow}.`), { Allow: allow });
        return true;
      }
      const call: Call<HostRequest> = { ...exchange, query };
      if (handler.mutation) assertSameSite(call.req, call.origin, allowedOrigins);
      await handler.run(call);
    } catch (error) {
      sendError(res, logger, key.slice(1), error);
    }
    return true;
  };
}
