import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_ROUTES } from './api-routes.js';
import type { EmulatorCore } from './core.js';
import { parseJsonInput } from './json-input.js';
import { authenticate } from './oauth.js';
import { hubspotError, json, type Reply } from './replies.js';
import { redactForm, redactPath } from './request-log.js';
import { matchRoute, type AuthInfo, type RequestContext, type RouteDef } from './routing.js';
import type { FaultKind, FaultRule } from './types.js';

// One emulated API request, in HubSpot's order: route → bearer auth → rate limit (the window counts
// the request, and its headers go on every later answer, errors included) → injected faults →
// scopes → JSON body → handler. Counters and the request log see every outcome, faults included.

const JSON_TYPE = 'application/json;charset=utf-8';
const LOG_BODY_LIMIT = 256 * 1024;

export function sendReply(res: ServerResponse, reply: Reply, extraHeaders: Record<string, string> = {}): void {
  if (res.destroyed || res.headersSent) return;
  const headers: Record<string, string | number> = { ...extraHeaders, ...reply.headers };
  let payload = '';
  if (reply.text !== undefined) {
    payload = reply.text;
    headers['Content-Type'] = reply.contentType ?? 'text/plain; charset=utf-8';
  } else if (reply.body !== undefined) {
    payload = JSON.stringify(reply.body);
    headers['Content-Type'] = reply.contentType ?? JSON_TYPE;
  }
  if (reply.status !== 204) headers['Content-Length'] = Buffer.byteLength(payload);
  res.writeHead(reply.status, headers);
  res.end(reply.status === 204 ? undefined : payload);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());

function tenSecondlyBody(correlationId: string, hubId: number): Record<string, string> {
  return {
    status: 'error',
    message: 'You have reached your ten_secondly_rolling limit.',
    errorType: 'RATE_LIMIT',
    correlationId,
    policyName: 'TEN_SECONDLY_ROLLING',
    groupName: `publicapi:oauth-api-calls-ten-secondly:${hubId}`,
  };
}

function secondlyBody(core: EmulatorCore, correlationId: string): Record<string, string> {
  return { status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', correlationId, policyName: 'SECONDLY', requestId: core.correlationId() };
}

const FAULT_TEXT: Record<number, [category: string, message: string]> = {
  500: ['INTERNAL_ERROR', 'internal error'],
  502: ['BAD_GATEWAY', 'Bad Gateway'],
  503: ['SERVICE_UNAVAILABLE', 'Service Unavailable'],
  504: ['GATEWAY_TIMEOUT', 'Gateway Timeout'],
  423: ['LOCKED', 'The resource is locked by another request. Please retry after at least 2 seconds.'],
  477: ['MIGRATION_IN_PROGRESS', 'This portal is being migrated. Please retry after the time given in Retry-After.'],
};

function faultReply(kind: Exclude<FaultKind, 'timeout' | 'reset'>, rule: FaultRule, correlationId: string, hubId: number | undefined, limitHeaders: Record<string, string>): Reply {
  const headers: Record<string, string> = {};
  let reply: Reply;
  if (kind === 429) {
    reply = json(429, tenSecondlyBody(correlationId, hubId ?? 0));
    if (limitHeaders['X-HubSpot-RateLimit-Max'] !== undefined) headers['X-HubSpot-RateLimit-Remaining'] = '0';
    if (rule.retryAfterSeconds !== undefined) headers['Retry-After'] = String(rule.retryAfterSeconds);
  } else {
    const [category, message] = FAULT_TEXT[kind] ?? ['INTERNAL_ERROR', 'internal error'];
    reply = hubspotError(kind, correlationId, category, message);
    if (kind === 477) headers['Retry-After'] = String(rule.retryAfterSeconds ?? 5);
    else if (rule.retryAfterSeconds !== undefined) headers['Retry-After'] = String(rule.retryAfterSeconds);
  }
  if (typeof rule.body === 'string') {
    reply = { status: reply.status, text: rule.body, contentType: 'text/html; charset=utf-8' };
  } else if (rule.body !== undefined) {
    reply = json(reply.status, rule.body);
  }
  reply.headers = headers;
  return reply;
}

function missingScopes(correlationId: string, required: string[]): Reply {
  return hubspotError(
    403,
    correlationId,
    'MISSING_SCOPES',
    "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
    {
      errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: required } }],
      links: { scopes: 'https://developers.hubspot.com/scopes' },
    },
  );
}

function loggableBody(route: RouteDef | undefined, req: IncomingMessage, rawBody: string): unknown {
  if (rawBody === '' || rawBody.length > LOG_BODY_LIMIT) return undefined;
  if (/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) return redactForm(new URLSearchParams(rawBody));
  if (route?.kind === 'oauth') return undefined;
  const parsed = parseJsonInput(rawBody);
  return parsed.ok ? parsed.value : rawBody.slice(0, 2000);
}

export async function processApiRequest(core: EmulatorCore, req: IncomingMessage, res: ServerResponse, url: URL, rawBody: string): Promise<void> {
  const started = performance.now();
  const method = req.method ?? 'GET';
  const correlationId = core.correlationId();
  const match = matchRoute(API_ROUTES, method, url.pathname);
  const route = match && 'route' in match ? match.route : undefined;
  const routeName = route?.name ?? 'unknown';
  let hubId: number | undefined;
  let clientId: string | undefined;
  let faultName: string | undefined;
  let limitHeaders: Record<string, string> = {};

  const record = (status: number, outcome?: 'timeout' | 'reset'): void => {
    const fault = faultName !== undefined;
    core.counters.record({ route: routeName, status, fault, ...(hubId !== undefined ? { hubId } : {}), ...(outcome ? { outcome } : {}) });
    const entry: Parameters<typeof core.log.add>[0] = {
      at: core.iso(),
      method,
      path: redactPath(url.pathname + url.search),
      route: routeName,
      status,
      correlationId,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
    };
    if (hubId !== undefined) entry.hubId = hubId;
    if (clientId !== undefined) entry.clientId = clientId;
    if (outcome) entry.outcome = outcome;
    if (faultName) entry.fault = faultName;
    const body = loggableBody(route, req, rawBody);
    if (body !== undefined) entry.requestBody = body;
    core.log.add(entry);
  };
  const respond = (reply: Reply): void => {
    const headers = { 'X-HubSpot-Correlation-Id': correlationId, ...limitHeaders };
    sendReply(res, reply, headers);
    record(reply.status);
  };

  if (!match) return respond(hubspotError(404, correlationId, 'OBJECT_NOT_FOUND', `No route for ${method} ${url.pathname}`));
  if (!route) return respond(hubspotError(405, correlationId, 'VALIDATION_ERROR', `HTTP ${method} is not supported by ${url.pathname}`));
  const params = 'params' in match ? match.params : {};

  let auth: AuthInfo | undefined;
  if (route.kind !== 'oauth') {
    const result = authenticate(core, req.headers.authorization, correlationId);
    if (!result.ok) {
      hubId = result.hubId;
      clientId = result.clientId;
      return respond(result.reply);
    }
    auth = { token: result.token, portal: result.portal, app: result.app };
    hubId = result.portal.hubId;
    clientId = result.app.clientId;
    const limit = core.rateLimitFor(result.portal);
    if (route.kind === 'search') {
      if (!core.limiter.checkSearch(hubId, limit, core.now())) return respond(json(429, secondlyBody(core, correlationId)));
    } else {
      const decision = core.limiter.checkApi(hubId, clientId, limit, core.now());
      limitHeaders = decision.headers;
      if (!decision.allowed) {
        const body = decision.policy === 'SECONDLY' ? secondlyBody(core, correlationId) : tenSecondlyBody(correlationId, hubId);
        return respond(json(429, body, decision.retryAfterSeconds !== undefined ? { 'Retry-After': String(decision.retryAfterSeconds) } : undefined));
      }
    }
  }

  const fault = core.faults.pick(route.name, hubId);
  if (fault.latencyMs > 0) await sleep(fault.latencyMs);
  if (fault.kind !== undefined && fault.rule) {
    faultName = String(fault.kind);
    if (fault.kind === 'reset') {
      record(0, 'reset');
      // RST rather than FIN, so clients see ECONNRESET like a dropped connection.
      const socket = req.socket as typeof req.socket & { resetAndDestroy?: () => void };
      if (socket.resetAndDestroy) socket.resetAndDestroy();
      else socket.destroy();
      return;
    }
    if (fault.kind === 'timeout') {
      record(0, 'timeout');
      // Never answer: the client's own timeout ends it (or hangMs, or close()).
      if (fault.rule.hangMs !== undefined) setTimeout(() => req.socket.destroy(), fault.rule.hangMs).unref();
      return;
    }
    return respond(faultReply(fault.kind, fault.rule, correlationId, hubId, limitHeaders));
  }

  if (auth && route.scopes && !route.scopes.some((scope) => auth.token.scopes.includes(scope))) {
    return respond(missingScopes(correlationId, route.scopes));
  }

  let body: unknown;
  if (route.json) {
    const parsed = parseJsonInput(rawBody);
    if (!parsed.ok) return respond(hubspotError(400, correlationId, 'VALIDATION_ERROR', parsed.message));
    body = parsed.value;
  }

  const ctx: RequestContext = { core, method, url, params, headers: req.headers, rawBody, body, correlationId };
  if (auth) ctx.auth = auth;
  try {
    respond(await route.handler(ctx));
  } catch (error) {
    process.stderr.write(`hubspot-emulator: ${route.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    respond(hubspotError(500, correlationId, 'INTERNAL_ERROR', 'internal error'));
  }
}
