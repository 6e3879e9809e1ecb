import { createConsoleLogger, HubSpotKitError, isHubSpotKitError, verifyWebhookV3, type HubSpotIntegration } from '@jobcannon/hubspot-core';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { readJsonBody, readRawBody } from './request-body.js';
import { assertSameSite, normalizeOrigin, requestUrl } from './request-origin.js';
import { resolveReturnTo, validateReturnToOption, withOutcome } from './return-to.js';
import type { HubSpotRouterIdentity, HubSpotRouterOptions } from './router-options.js';
import { logError, sendError } from './send-error.js';
import { parseWebhookEvents } from './webhook-events.js';

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const ROUTE_PATHS = ['/connect', '/callback', '/status', '/resync', '/disconnect', '/failures', '/failures/retry', '/webhooks'];

/** A single string query value; repeated or nested (qs) values count as absent. */
function queryString(req: Request, name: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
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

function validateOptions(integration: HubSpotIntegration, options: HubSpotRouterOptions): void {
  const invalid = (message: string) => new HubSpotKitError('INVALID_OPTIONS', `createHubSpotRouter: ${message}`);
  if (!integration || typeof integration.completeOAuth !== 'function') throw invalid('pass the integration from createHubSpotIntegration().');
  if (typeof options?.authorize !== 'function') throw invalid('`authorize(req)` is required.');
  validateReturnToOption(options.returnTo);
  if (options.webhookUrl !== undefined && normalizeOrigin(options.webhookUrl) === null) throw invalid('`webhookUrl` must be an absolute http(s) URL.');
  if (options.allowedOrigins?.some((origin) => normalizeOrigin(origin) === null)) throw invalid('`allowedOrigins` must be origins like https://app.example.com.');
}

/**
 * The Express router a host mounts for the HubSpot integration (Express 4.17+ and 5). Thin on
 * purpose: parse, authorise, call core. The org acted on is always the session's, never a parameter.
 */
export function createHubSpotRouter(integration: HubSpotIntegration, options: HubSpotRouterOptions): Router {
  validateOptions(integration, options);
  const logger = options.logger ?? createConsoleLogger('error');
  const now = options.now ?? Date.now;
  const isAdmin = options.isAdmin ?? ((identity: HubSpotRouterIdentity) => identity.role === 'admin');
  const allowedOrigins = new Set((options.allowedOrigins ?? []).map((origin) => normalizeOrigin(origin) ?? origin));
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  async function identify(req: Request): Promise<HubSpotRouterIdentity | null> {
    const identity = await options.authorize(req);
    if (identity === null || identity === undefined) return null;
    if (typeof identity.orgId !== 'string' || identity.orgId === '' || typeof identity.userId !== 'string' || identity.userId === '') {
      throw new HubSpotKitError('INTERNAL', 'The host’s authorize() returned an identity without a string orgId and userId.');
    }
    return identity;
  }
  async function member(req: Request): Promise<HubSpotRouterIdentity> {
    const identity = await identify(req);
    if (identity === null) throw new HubSpotKitError('UNAUTHENTICATED', 'Sign in to JobCannon to manage the HubSpot integration.');
    return identity;
  }
  async function admin(req: Request): Promise<HubSpotRouterIdentity> {
    const identity = await member(req);
    if (!(await isAdmin(identity, req))) throw new HubSpotKitError('FORBIDDEN', 'Only organization admins can manage the HubSpot integration.');
    return identity;
  }

  // Express 4 ignores rejected promises, so every handler catches its own and answers JSON.
  const route =
    (name: string, handler: (req: Request, res: Response) => Promise<void>): RequestHandler =>
    (req, res) => {
      res.set('Cache-Control', 'no-store');
      handler(req, res).catch((error: unknown) => sendError(res, logger, name, error));
    };
  const mutation = (name: string, handler: (req: Request, res: Response) => Promise<void>): RequestHandler =>
    route(name, async (req, res) => {
      assertSameSite(req, allowedOrigins);
      await handler(req, res);
    });

  /** Runs core's callback; a signed-in member of another org is refused before any code exchange. */
  async function completeCallback(req: Request): Promise<void> {
    const identity = await identify(req);
    await integration.completeOAuth({
      code: queryString(req, 'code') ?? null,
      state: queryString(req, 'state') ?? null,
      error: queryString(req, 'error') ?? null,
      errorDescription: queryString(req, 'error_description') ?? null,
      expectedOrgId: identity?.orgId ?? null,
    });
  }

  const router = express.Router();

  router.get(
    '/connect',
    route('connect', async (req, res) => {
      // A browser navigates here (not fetch): a refusal goes back to the host page with a reason
      // the widget explains, instead of leaving the admin on a raw JSON page.
      let identity: HubSpotRouterIdentity;
      try {
        identity = await admin(req);
      } catch (error) {
        if (!isHubSpotKitError(error, 'UNAUTHENTICATED') && !isHubSpotKitError(error, 'FORBIDDEN')) throw error;
        res.redirect(302, withOutcome(resolveReturnTo(options.returnTo, req), { hubspot: 'error', reason: error.code }));
        return;
      }
      const { orgId, userId } = identity;
      const confirm = queryString(req, 'confirmPortalChange');
      res.redirect(302, await integration.connectUrl({ orgId, userId, allowPortalChange: confirm === '1' || confirm === 'true' }));
    }),
  );

  router.get(
    '/callback',
    route('callback', async (req, res) => {
      // The callback URL holds the code and state: never let it travel on as a Referer.
      res.set('Referrer-Policy', 'no-referrer');
      // Resolved first: a host's broken returnTo must fail before the state is spent.
      const destination = resolveReturnTo(options.returnTo, req);
      try {
        await completeCallback(req);
        res.redirect(302, withOutcome(destination, { hubspot: 'connected' }));
      } catch (error) {
        logError(logger, 'callback', error);
        res.redirect(302, withOutcome(destination, { hubspot: 'error', reason: isHubSpotKitError(error) ? error.code : 'INTERNAL' }));
      }
    }),
  );

  router.get(
    '/status',
    route('status', async (req, res) => {
      res.json(await integration.status((await member(req)).orgId));
    }),
  );

  router.post(
    '/resync',
    mutation('resync', async (req, res) => {
      res.json(await integration.resync((await admin(req)).orgId));
    }),
  );

  router.post(
    '/disconnect',
    mutation('disconnect', async (req, res) => {
      await integration.disconnect((await admin(req)).orgId);
      res.json({ status: 'disconnected' });
    }),
  );

  router.get(
    '/failures',
    route('failures', async (req, res) => {
      const { orgId } = await member(req);
      const limit = parseLimit(queryString(req, 'limit'));
      res.json(await integration.failures(orgId, { limit, cursor: queryString(req, 'cursor') || null }));
    }),
  );

  router.post(
    '/failures/retry',
    mutation('failures/retry', async (req, res) => {
      const { orgId } = await admin(req);
      res.json(await integration.retryFailed(orgId, parseRetryIds(await readJsonBody(req))));
    }),
  );

  router.post(
    '/webhooks',
    route('webhooks', async (req, res) => {
      const rawBody = (await readRawBody(req, maxBodyBytes)).toString('utf8');
      const verdict = verifyWebhookV3({
        clientSecret: integration.webhookSecret,
        method: req.method,
        url: options.webhookUrl ?? requestUrl(req),
        rawBody,
        signature: req.get('X-HubSpot-Signature-v3'),
        timestamp: req.get('X-HubSpot-Request-Timestamp'),
        now: now(),
      });
      if (!verdict.valid) throw new HubSpotKitError('WEBHOOK_SIGNATURE_INVALID', `The HubSpot webhook signature was refused (${verdict.reason}).`);
      const { received, processed, duplicates } = await integration.handleWebhookEvents(parseWebhookEvents(rawBody));
      res.json({ received, processed, duplicates });
    }),
  );

  // Our paths with another method. Unknown paths fall through: the host may mount us at its root.
  router.all(
    ROUTE_PATHS,
    route('not-found', async (req) => {
      throw new HubSpotKitError('NOT_FOUND', `${req.method} is not supported here.`);
    }),
  );

  return router;
}
