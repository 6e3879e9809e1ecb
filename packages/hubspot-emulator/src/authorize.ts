import type { EmulatorCore } from './core.js';
import { escapeHtml, page } from './html.js';
import { html, redirect, type Reply } from './replies.js';
import type { RequestContext } from './routing.js';
import type { AppState, PortalState } from './state.js';

// The install (consent) step: GET /oauth/authorize shows a plain HTML form (no script, so a headless
// browser or curl can drive it), POST /oauth/authorize applies the decision. Tests that do not want
// a browser use `?_emulator_auto=approve|deny` or `emulator.authorize({...})`.

export interface AuthorizeRequest {
  /** Default: the first configured app. */
  clientId?: string;
  redirectUri: string;
  /** Required scopes, space-separated or a list. */
  scope?: string | string[];
  optionalScope?: string | string[];
  state?: string;
  /** Which portal installs the app. Default: the first portal. */
  hubId?: number;
  /** Default `approve`. */
  decision?: 'approve' | 'deny';
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
}

export interface AuthorizeResult {
  /** Where the browser is sent: `redirect_uri?code=…&state=…` or `redirect_uri?error=access_denied…`. */
  redirectUrl: string;
  code?: string;
  state?: string;
  hubId?: number;
  /** The scopes the code grants (required + available optional ones). */
  scopes?: string[];
}

export class AuthorizeError extends Error {}

interface ValidRequest {
  app: AppState;
  redirectUri: string;
  scopes: string[];
  optionalScopes: string[];
  state?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
}

const SCOPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const splitScopes = (value: string | string[] | undefined): string[] =>
  [...new Set((Array.isArray(value) ? value : (value ?? '').split(/[\s+]+/)).map((scope) => scope.trim()).filter(Boolean))];

function redirectAllowed(app: AppState, redirectUri: string): boolean {
  if (app.redirectUris) return app.redirectUris.includes(redirectUri);
  try {
    const url = new URL(redirectUri);
    return (url.protocol === 'http:' || url.protocol === 'https:') && LOCAL_HOSTS.has(url.hostname);
  } catch {
    return false;
  }
}

function validate(core: EmulatorCore, input: AuthorizeRequest): ValidRequest {
  const clientId = input.clientId ?? core.appConfigs[0]?.clientId ?? '';
  const app = core.state.apps.get(clientId);
  if (!app) throw new AuthorizeError(`Authorization failed because the client_id "${clientId}" does not match any app.`);
  if (!input.redirectUri) throw new AuthorizeError('Authorization failed because the redirect_uri is missing.');
  if (!redirectAllowed(app, input.redirectUri)) {
    throw new AuthorizeError(`Authorization failed because the redirect_uri "${input.redirectUri}" does not match the app's redirect URLs.`);
  }
  const scopes = splitScopes(input.scope);
  const optionalScopes = splitScopes(input.optionalScope).filter((scope) => !scopes.includes(scope));
  if (scopes.length === 0 && optionalScopes.length === 0) throw new AuthorizeError('Authorization failed because no scope was requested.');
  const malformed = [...scopes, ...optionalScopes].find((scope) => !SCOPE_PATTERN.test(scope));
  if (malformed !== undefined) throw new AuthorizeError(`Authorization failed because the scope "${malformed}" is not valid.`);
  if (app.scopes) {
    const configured = new Set(app.scopes);
    const allowed = new Set([...app.scopes, ...(app.optionalScopes ?? [])]);
    const sameRequired = scopes.length === configured.size && scopes.every((scope) => configured.has(scope));
    if (!sameRequired || !optionalScopes.every((scope) => allowed.has(scope))) {
      throw new AuthorizeError("Authorization failed because there is a mismatch between the scopes in the install URL and the app's configured scopes.");
    }
  }
  const valid: ValidRequest = { app, redirectUri: input.redirectUri, scopes, optionalScopes };
  if (input.state !== undefined) valid.state = input.state;
  if (input.codeChallenge) {
    valid.codeChallenge = input.codeChallenge;
    valid.codeChallengeMethod = input.codeChallengeMethod ?? 'plain';
  }
  return valid;
}

function pickPortal(core: EmulatorCore, hubId: number | undefined): PortalState {
  const portal = hubId === undefined ? core.state.portals.values().next().value : core.state.portals.get(hubId);
  if (!portal) throw new AuthorizeError(`Authorization failed because account ${String(hubId)} does not exist.`);
  return portal;
}

function decide(core: EmulatorCore, valid: ValidRequest, hubId: number | undefined, decision: 'approve' | 'deny'): AuthorizeResult {
  const target = new URL(valid.redirectUri);
  if (decision === 'deny') {
    target.searchParams.set('error', 'access_denied');
    target.searchParams.set('error_description', 'The user denied the authorization request.');
    if (valid.state !== undefined) target.searchParams.set('state', valid.state);
    return valid.state !== undefined ? { redirectUrl: target.toString(), state: valid.state } : { redirectUrl: target.toString() };
  }
  const portal = pickPortal(core, hubId);
  const unavailable = new Set(portal.unavailableScopes);
  const missing = valid.scopes.filter((scope) => unavailable.has(scope));
  if (missing.length > 0) {
    throw new AuthorizeError(`Authorization failed because account ${portal.hubId} does not have access to the required scopes: ${missing.join(', ')}.`);
  }
  const scopes = [...valid.scopes, ...valid.optionalScopes.filter((scope) => !unavailable.has(scope))];
  const code = core.random.tokens.uuid();
  core.state.authCodes.set(code, {
    code,
    clientId: valid.app.clientId,
    hubId: portal.hubId,
    userId: portal.userId,
    redirectUri: valid.redirectUri,
    scopes,
    expiresAt: core.now() + core.options.authCodeTtlMs,
    used: false,
    ...(valid.codeChallenge ? { codeChallenge: valid.codeChallenge, codeChallengeMethod: valid.codeChallengeMethod ?? 'plain' } : {}),
  });
  target.searchParams.set('code', code);
  if (valid.state !== undefined) target.searchParams.set('state', valid.state);
  const result: AuthorizeResult = { redirectUrl: target.toString(), code, hubId: portal.hubId, scopes };
  if (valid.state !== undefined) result.state = valid.state;
  return result;
}

/** The programmatic consent: what clicking Approve/Deny would do. Throws AuthorizeError where HubSpot shows an error page. */
export function authorize(core: EmulatorCore, input: AuthorizeRequest): AuthorizeResult {
  return decide(core, validate(core, input), input.hubId, input.decision ?? 'approve');
}

function requestFromParams(params: URLSearchParams): AuthorizeRequest {
  const request: AuthorizeRequest = { clientId: params.get('client_id') ?? '', redirectUri: params.get('redirect_uri') ?? '' };
  const optional = params.get('optional_scope');
  request.scope = params.get('scope') ?? '';
  if (optional !== null) request.optionalScope = optional;
  const state = params.get('state');
  if (state !== null) request.state = state;
  const challenge = params.get('code_challenge');
  if (challenge) {
    request.codeChallenge = challenge;
    request.codeChallengeMethod = params.get('code_challenge_method') === 'S256' ? 'S256' : 'plain';
  }
  const hub = params.get('hub_id') ?? params.get('_emulator_hub_id');
  if (hub) request.hubId = Number(hub);
  return request;
}

function errorPage(message: string): Reply {
  return html(
    400,
    page('Authorization failed', `<h1 id="error-title">Authorization failed</h1>\n<p id="error-message">${escapeHtml(message)}</p>`),
  );
}

function consentPage(core: EmulatorCore, valid: ValidRequest, params: URLSearchParams): string {
  const hidden = ['client_id', 'redirect_uri', 'scope', 'optional_scope', 'state', 'code_challenge', 'code_challenge_method']
    .filter((name) => params.has(name))
    .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(params.get(name) ?? '')}">`)
    .join('\n');
  const scopeItems = (scopes: string[]): string =>
    scopes.map((scope) => `<li data-scope="${escapeHtml(scope)}"><code>${escapeHtml(scope)}</code></li>`).join('\n');
  const preselected = params.get('hub_id');
  const portals = [...core.state.portals.values()]
    .map((portal) => {
      const selected = preselected === String(portal.hubId) ? ' selected' : '';
      return `<option value="${portal.hubId}"${selected}>${escapeHtml(portal.name)} (${portal.hubId}) - ${escapeHtml(portal.domain)} - ${escapeHtml(portal.userEmail)}</option>`;
    })
    .join('\n');
  const optional = valid.optionalScopes.length
    ? `<p>Optional (granted when the account has them):</p>\n<ul id="optional-scopes">\n${scopeItems(valid.optionalScopes)}\n</ul>`
    : '';
  return page(
    `Connect ${valid.app.name} to HubSpot`,
    `<h1 id="consent-title">Connect <span id="app-name">${escapeHtml(valid.app.name)}</span> to HubSpot</h1>
<p><strong>${escapeHtml(valid.app.name)}</strong> is requesting access to:</p>
<ul id="scopes">
${scopeItems(valid.scopes)}
</ul>
${optional}
<form id="consent-form" method="post" action="/oauth/authorize">
${hidden}
<label for="hub_id">Choose an account</label><br>
<select id="hub_id" name="hub_id">
${portals}
</select><br>
<button type="submit" id="approve" name="decision" value="approve">Approve</button>
<button type="submit" id="deny" name="decision" value="deny">Deny</button>
</form>
<p class="muted">Redirects to <code id="redirect-uri">${escapeHtml(valid.redirectUri)}</code></p>`,
  );
}

function answer(core: EmulatorCore, params: URLSearchParams, decision: string | null): Reply {
  try {
    const request = requestFromParams(params);
    const valid = validate(core, request);
    if (decision === 'approve' || decision === 'deny') return redirect(decide(core, valid, request.hubId, decision).redirectUrl);
    return html(200, consentPage(core, valid, params));
  } catch (error) {
    if (error instanceof AuthorizeError) return errorPage(error.message);
    throw error;
  }
}

export function handleAuthorizeGet(ctx: RequestContext): Reply {
  return answer(ctx.core, ctx.url.searchParams, ctx.url.searchParams.get('_emulator_auto'));
}

export function handleAuthorizePost(ctx: RequestContext): Reply {
  const form = new URLSearchParams(ctx.rawBody);
  return answer(ctx.core, form, form.get('decision') ?? 'approve');
}
