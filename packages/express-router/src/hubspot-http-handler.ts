import type { IncomingMessage, ServerResponse } from 'node:http';
import { createConsoleLogger, HubSpotKitError, isHubSpotKitError, type HubSpotIntegration } from '@jobcannon/hubspot-core';
import { readJsonBody, readRawBody } from './request-body.js';
import { assertSameSite, normalizeOrigin } from './request-origin.js';
import { resolveReturnTo, validateReturnToOption, withOutcome } from './return-to.js';
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

interface Route<HostRequest> {
  method: 'GET' | 'POST' | 'ANY';
  /** State-changing: the same-site check runs first. */
  mutation?: boolean;
  run(call: Call<HostRequest>): Promise<void>;
}

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

function parseRetryIds(body: unknown): string[] | undefined {
  const ids = typeof body === 'object' && body !== null ? (body as { ids?: unknown }).ids : undefined;
  if (ids === undefined || ids === null) return undefined;
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw new HubSpotKitError('BAD_REQUEST', '`ids` must be an array of strings.');
  return ids;
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

  const routes: Record<string, Route<HostRequest>> = {
    '/connect': {
      method: 'GET',
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
        const confirm = queryValue(call.query, 'confirmPortalChange');
        redirect(call.res, await integration.connectUrl({ orgId: identity.orgId, userId: identity.userId, allowPortalChange: confirm === '1' || confirm === 'true' }));
      },
    },
    '/callback': {
      method: 'GET',
      async run(call) {
        // The callback URL holds the code and state: never let it travel on as a Referer.
        call.res.setHeader('Referrer-Policy', 'no-referrer');
        // Resolved first: a host's broken returnTo must fail before the state is spent.
        const destination = resolveReturnTo(options.returnTo, call.hostRequest);
        try {
          // A signed-in member of another org is refused before any code exchange.
          const identity = await identify(call);
          await integration.completeOAuth({
            code: queryValue(call.query, 'code') ?? null,
            state: queryValue(call.query, 'state') ?? null,
            error: queryValue(call.query, 'error') ?? null,
            errorDescription: queryValue(call.query, 'error_description') ?? null,
            expectedOrgId: identity?.orgId ?? null,
          });
          redirect(call.res, withOutcome(destination, { hubspot: 'connected' }));
        } catch (error) {
          logError(logger, 'callback', error);
          redirect(call.res, withOutcome(destination, { hubspot: 'error', reason: isHubSpotKitError(error) ? error.code : 'INTERNAL' }));
        }
      },
    },
    '/status': {
      method: 'GET',
      async run(call) {
        sendJson(call.res, 200, await integration.status((await member(call)).orgId));
      },
    },
    '/resync': {
      method: 'POST',
      mutation: true,
      async run(call) {
        sendJson(call.res, 200, await integration.resync((await admin(call)).orgId));
      },
    },
    '/disconnect': {
      method: 'POST',
      mutation: true,
      async run(call) {
        await integration.disconnect((await admin(call)).orgId);
        sendJson(call.res, 200, { status: 'disconnected' });
      },
    },
    '/failures': {
      method: 'GET',
      async run(call) {
        const { orgId } = await member(call);
        const limit = parseLimit(queryValue(call.query, 'limit'));
        sendJson(call.res, 200, await integration.failures(orgId, { limit, cursor: queryValue(call.query, 'cursor') || null }));
      },
    },
    '/failures/retry': {
      method: 'POST',
      mutation: true,
      async run(call) {
        const { orgId } = await admin(call);
        sendJson(call.res, 200, await integration.retryFailed(orgId, parseRetryIds(await readJsonBody(call.req))));
      },
    },
    '/webhooks': {
      // Core decides everything about a delivery, the method included (405 with Allow: POST).
      method: 'ANY',
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
      const allowed = route.method === 'ANY' || method === route.method || (route.method === 'GET' && method === 'HEAD');
      if (!allowed) {
        const allow = route.method === 'GET' ? 'GET, HEAD' : route.method;
        sendError(res, logger, key.slice(1), new HubSpotKitError('METHOD_NOT_ALLOWED', `${method} is not supported here; use ${allow}.`), { Allow: allow });
        return true;
      }
      const call: Call<HostRequest> = { ...exchange, query };
      if (route.mutation) assertSameSite(call.req, call.origin, allowedOrigins);
      await route.run(call);
    } catch (error) {
      sendError(res, logger, key.slice(1), error);
    }
    return true;
  };
}
