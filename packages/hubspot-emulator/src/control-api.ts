import type { IncomingHttpHeaders } from 'node:http';
import { AuthorizeError, type AuthorizeRequest } from './authorize.js';
import { contactsPage, indexPage } from './contacts-page.js';
import type { EmulatorCore } from './core.js';
import { FaultRuleError } from './faults.js';
import { parseJsonInput } from './json-input.js';
import { html, isRecord, json, noContent, type Reply } from './replies.js';
import type { Emulator, IssueTokensOptions, SendWebhookOptions } from './server.js';
import type { FaultRule, RateLimitOptions } from './types.js';

// The /_emulator/* control API: the same operations as the functions on the Emulator object, as JSON
// over HTTP for hosts in another process (demo, benchmark, browser tests). No auth: local use only.
// Its requests are never rate limited, faulted, counted or logged. Because it has no auth, a web page
// in the developer's browser must not be able to drive it: see refuseCrossSiteControlRequest.

type ControlHandler = (emulator: Emulator, core: EmulatorCore, params: Record<string, string>, body: Record<string, unknown>, url: URL) => Reply | Promise<Reply>;

interface ControlRoute {
  method: string;
  pattern: RegExp;
  handler: ControlHandler;
}

class BadRequest extends Error {}

const hub = (params: Record<string, string>): number => {
  const value = Number(params.hubId);
  if (!Number.isInteger(value)) throw new BadRequest(`hubId must be an integer, got ${params.hubId ?? ''}`);
  return value;
};
const optionalString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const optionalNumber = (value: unknown): number | undefined => (value === undefined || value === null ? undefined : Number(value));

const route = (method: string, path: string, handler: ControlHandler): ControlRoute => ({
  method,
  pattern: new RegExp(`^/_emulator${path.replace(/:(\w+)/g, '(?<$1>[^/]+)')}/?$`),
  handler,
});

const faultList = (body: Record<string, unknown>): unknown[] => {
  if (Array.isArray(body.rules)) return body.rules as unknown[];
  if (Array.isArray(body.faults)) return body.faults as unknown[];
  return [];
};

const CONTROL_ROUTES: ControlRoute[] = [
  route('GET', '', (emulator) => json(200, emulator.snapshot())),
  route('GET', '/state', (emulator) => json(200, emulator.snapshot())),
  route('POST', '/reset', (emulator, _core, _params, body) => {
    emulator.reset({ keepInstalls: body.keepInstalls === true });
    return json(200, { ok: true });
  }),
  route('GET', '/ui', (_emulator, core) => html(200, indexPage(core))),
  route('GET', '/ui/portals/:hubId', (_emulator, core, params, _body, url) => {
    const portal = core.state.portals.get(hub(params));
    if (!portal) return json(404, { error: `no portal with hubId ${params.hubId ?? ''}` });
    return html(200, contactsPage(core, portal, optionalNumber(url.searchParams.get('refresh'))));
  }),
  route('GET', '/portals', (emulator) => json(200, { results: emulator.snapshot().portals })),
  route('GET', '/portals/:hubId/contacts', (emulator, core, params, _body, url) => {
    const hubId = hub(params);
    if (url.searchParams.get('format') === 'html') {
      const portal = core.state.portals.get(hubId);
      if (!portal) return json(404, { error: `no portal with hubId ${hubId}` });
      return html(200, contactsPage(core, portal, optionalNumber(url.searchParams.get('refresh'))));
    }
    return json(200, { results: emulator.contacts(hubId) });
  }),
  route('GET', '/portals/:hubId/contacts/:contact', (emulator, _core, params) => {
    const contact = emulator.contact(hub(params), params.contact ?? '');
    return contact ? json(200, contact) : json(404, { error: `no contact ${params.contact ?? ''}` });
  }),
  route('DELETE', '/portals/:hubId/contacts/:contact', (emulator, _core, params) =>
    emulator.deleteContact(hub(params), params.contact ?? '') ? noContent() : json(404, { error: `no contact ${params.contact ?? ''}` }),
  ),
  route('GET', '/portals/:hubId/contacts/:contact/events/:type', (emulator, _core, params) => {
    const type = params.type === 'privacyDeletion' || params.type === 'contact.privacyDeletion' ? 'contact.privacyDeletion' : 'contact.deletion';
    return json(200, emulator.contactEvent(hub(params), params.contact ?? '', type));
  }),
  route('GET', '/portals/:hubId/properties', (emulator, _core, params, _body, url) =>
    json(200, { results: emulator.properties(hub(params), { includeArchived: url.searchParams.get('archived') === 'true' }) }),
  ),
  route('DELETE', '/portals/:hubId/properties/:name', (emulator, _core, params) => {
    emulator.deleteProperty(hub(params), params.name ?? '');
    return noContent();
  }),
  route('PUT', '/portals/:hubId/properties/:name/in-use', (emulator, _core, params, body) => {
    emulator.setPropertyInUse(hub(params), params.name ?? '', Number(body.places ?? body.count ?? 0));
    return noContent();
  }),
  route('GET', '/portals/:hubId/groups', (emulator, _core, params) => json(200, { results: emulator.groups(hub(params)) })),
  route('DELETE', '/portals/:hubId/groups/:name', (emulator, _core, params) => {
    emulator.deleteGroup(hub(params), params.name ?? '');
    return noContent();
  }),
  route('POST', '/portals/:hubId/uninstall', (emulator, _core, params, body) => json(200, { uninstalled: emulator.uninstall(hub(params), optionalString(body.clientId)) })),
  route('PUT', '/portals/:hubId/rate-limit', (emulator, _core, params, body) => {
    emulator.setRateLimit(body as RateLimitOptions, hub(params));
    return noContent();
  }),
  route('PUT', '/rate-limit', (emulator, _core, _params, body) => {
    emulator.setRateLimit(body as RateLimitOptions);
    return noContent();
  }),
  route('GET', '/faults', (emulator) => json(200, { rules: emulator.faults() })),
  route('PUT', '/faults', (emulator, _core, _params, body) => json(200, { rules: emulator.setFaults(faultList(body) as FaultRule[]) })),
  route('POST', '/faults', (emulator, _core, _params, body) => {
    const rules = Array.isArray(body.rules) ? (body.rules as FaultRule[]) : [body as FaultRule];
    return json(201, { rules: rules.map((rule) => emulator.addFault(rule)) });
  }),
  route('DELETE', '/faults', (emulator) => {
    emulator.clearFaults();
    return noContent();
  }),
  route('DELETE', '/faults/:id', (emulator, _core, params) => (emulator.removeFault(params.id ?? '') ? noContent() : json(404, { error: `no fault ${params.id ?? ''}` }))),
  route('GET', '/counters', (emulator) => json(200, emulator.counters())),
  route('DELETE', '/counters', (emulator) => {
    emulator.resetCounters();
    return noContent();
  }),
  route('GET', '/requests', (emulator, _core, _params, _body, url) => {
    const filter: { hubId?: number; route?: string; limit?: number } = {};
    const hubId = optionalNumber(url.searchParams.get('hubId'));
    const limit = optionalNumber(url.searchParams.get('limit'));
    const routeName = url.searchParams.get('route');
    if (hubId !== undefined) filter.hubId = hubId;
    if (limit !== undefined) filter.limit = limit;
    if (routeName) filter.route = routeName;
    return json(200, { results: emulator.requests(filter) });
  }),
  route('DELETE', '/requests', (emulator) => {
    emulator.clearRequests();
    return noContent();
  }),
  route('POST', '/tokens/expire', (emulator, _core, _params, body) => json(200, { expired: emulator.expireAccessTokens(optionalNumber(body.hubId), optionalString(body.clientId)) })),
  route('POST', '/tokens/issue', (emulator, _core, _params, body) => {
    const options: IssueTokensOptions = {};
    const hubId = optionalNumber(body.hubId);
    if (hubId !== undefined) options.hubId = hubId;
    if (typeof body.clientId === 'string') options.clientId = body.clientId;
    if (Array.isArray(body.scopes)) options.scopes = body.scopes.map(String);
    return json(200, emulator.issueTokens(options));
  }),
  route('POST', '/authorize', (emulator, _core, _params, body) => json(200, emulator.authorize(body as unknown as AuthorizeRequest))),
  route('POST', '/webhooks/send', async (emulator, _core, _params, body) => {
    if (typeof body.url !== 'string' || !Array.isArray(body.events)) throw new BadRequest('url and events are required');
    return json(200, await emulator.sendWebhook(body as unknown as SendWebhookOptions));
  }),
];

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses what a web page could send to the control API: any state-changing request whose `Origin`
 * is not one of the emulator's own origins (403; Node clients send no Origin), and any POST or body
 * that is not `application/json` (415), since text/plain, form-urlencoded and multipart POSTs are
 * "simple" requests a page can send cross-origin without a CORS preflight. GETs stay open: the HTML
 * pages are viewed in a browser, and a page on another origin cannot read their answers.
 */
export function refuseCrossSiteControlRequest(method: string, headers: IncomingHttpHeaders, ownOrigins: ReadonlySet<string>, rawBody: string): Reply | undefined {
  if (SAFE_METHODS.has(method)) return undefined;
  const origin = headers.origin;
  if (origin !== undefined && !ownOrigins.has(origin.toLowerCase())) {
    return json(403, { error: `control API requests from another origin are refused (Origin: ${origin})` });
  }
  const contentType = headers['content-type'] ?? '';
  if ((method === 'POST' || rawBody !== '') && !/^application\/json\s*(;|$)/i.test(contentType)) {
    return json(415, { error: `the control API takes Content-Type: application/json (got ${contentType === '' ? 'none' : contentType})` });
  }
  return undefined;
}

export async function handleControlRequest(emulator: Emulator, core: EmulatorCore, method: string, url: URL, rawBody: string): Promise<Reply> {
  let pathMatched = false;
  for (const candidate of CONTROL_ROUTES) {
    const match = candidate.pattern.exec(url.pathname);
    if (!match) continue;
    pathMatched = true;
    if (candidate.method !== method) continue;
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(match.groups ?? {})) if (value !== undefined) params[key] = decodeURIComponent(value);
    let body: Record<string, unknown> = {};
    if (rawBody.trim() !== '') {
      const parsed = parseJsonInput(rawBody);
      if (!parsed.ok) return json(400, { error: parsed.message });
      if (Array.isArray(parsed.value)) body = { rules: parsed.value };
      else if (isRecord(parsed.value)) body = parsed.value;
      else return json(400, { error: 'the body must be a JSON object' });
    }
    try {
      return await candidate.handler(emulator, core, params, body, url);
    } catch (error) {
      if (error instanceof AuthorizeError || error instanceof FaultRuleError || error instanceof BadRequest) return json(400, { error: error.message });
      if (error instanceof Error && 'status' in error && typeof error.status === 'number') return json(error.status, { error: error.message });
      throw error;
    }
  }
  return json(pathMatched ? 405 : 404, { error: `${pathMatched ? 'method not allowed' : 'unknown control route'}: ${method} ${url.pathname}` });
}
