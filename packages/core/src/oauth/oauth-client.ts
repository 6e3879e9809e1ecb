import { HubSpotKitError } from '../errors.js';
import type { Fetch } from '../ports/ports.js';

/**
 * HubSpot's dated OAuth endpoints (`/oauth/2026-03/...`). The official client still calls the v1
 * endpoints, which HubSpot removes on 16 Feb 2027, so OAuth is this small form-encoded client.
 */
export interface OAuthClientOptions {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  apiBase: string;
  authBase: string;
  fetch: Fetch;
  timeoutMs: number;
}

export interface TokenSet {
  accessToken: string;
  refreshToken: string;
  expiresInSeconds: number;
  hubId: number | null;
  userId: number | null;
  scopes: string[] | null;
}

export interface TokenIntrospection {
  active: boolean;
  hubId: number | null;
  hubDomain: string | null;
  user: string | null;
  userId: number | null;
  scopes: string[];
  expiresInSeconds: number | null;
}

/**
 * HubSpot refused a grant. `refused` = the body says the refresh token or code is dead (revoked,
 * uninstalled, used). `ambiguous` = a 400 that does not say why: the specs promise only the
 * generic `{category, correlationId, message}` body, so a caller that must know whether the
 * token died asks the introspection endpoint instead of guessing.
 */
export class OAuthGrantError extends Error {
  override readonly name = 'OAuthGrantError';
  constructor(
    message: string,
    readonly status: number | null,
    readonly error: string | null,
    readonly hubspotStatus: string | null,
    readonly refused: boolean,
    readonly category: string | null = null,
    readonly correlationId: string | null = null,
  ) {
    super(message);
  }

  get ambiguous(): boolean {
    return this.status === 400 && !this.refused;
  }
}

/** Legacy `status` (and, should HubSpot move them there, generic `category`) values that mean the token or code is dead. */
const DEAD_GRANT_MARKERS: ReadonlySet<string> = new Set(['BAD_REFRESH_TOKEN', 'BAD_AUTH_CODE']);

/**
 * Reads either body shape HubSpot's token endpoint may send: RFC 6749 plus legacy fields
 * (`error`, `error_description`, `status`, `message`) as live reports show, or only the specs'
 * generic `{category, correlationId, message}`. "Refused" rests on a field that says so, never on
 * the message text.
 */
export function grantErrorFrom(status: number, body: Record<string, unknown>): OAuthGrantError {
  const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);
  const error = text(body.error);
  const hubspotStatus = text(body.status);
  const category = text(body.category);
  const message = text(body.error_description) ?? text(body.message) ?? `HubSpot answered HTTP ${status}`;
  const refused = error === 'invalid_grant' || (hubspotStatus !== null && DEAD_GRANT_MARKERS.has(hubspotStatus)) || (category !== null && DEAD_GRANT_MARKERS.has(category));
  return new OAuthGrantError(message, status, error, hubspotStatus, refused, category, text(body.correlationId));
}

export const UNINSTALL_PATH = '/appinstalls/2026-03/external-install';
export const LEGACY_UNINSTALL_PATH = '/appinstalls/v3/external-install';

export function createOAuthClient(options: OAuthClientOptions) {
  const apiBase = options.apiBase.replace(/\/+$/, '');

  async function post(path: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
    let response: Response;
    try {
      response = await options.fetch(`${apiBase}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      throw new OAuthGrantError(`Could not reach HubSpot's OAuth service: ${(error as Error).message}`, null, null, null, false);
    }
    const text = await response.text();
    let body: Record<string, unknown>;
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      body = { message: text.slice(0, 300) };
    }
    return { status: response.status, body };
  }

  const grantError = grantErrorFrom;

  function toTokenSet(body: Record<string, unknown>): TokenSet {
    if (typeof body.access_token !== 'string' || typeof body.refresh_token !== 'string') {
      throw new OAuthGrantError('HubSpot returned no tokens', 200, null, null, false);
    }
    return {
      accessToken: body.access_token,
      refreshToken: body.refresh_token,
      expiresInSeconds: Number(body.expires_in ?? 1800),
      hubId: body.hub_id === undefined ? null : Number(body.hub_id),
      userId: body.user_id === undefined ? null : Number(body.user_id),
      scopes: Array.isArray(body.scopes) ? body.scopes.map(String) : null,
    };
  }

  return {
    /** The consent page URL; built here because the official helper hard-codes app.hubspot.com. */
    authorizeUrl(input: { scopes: readonly string[]; optionalScopes?: readonly string[]; state: string }): string {
      const url = new URL('/oauth/authorize', options.authBase);
      url.searchParams.set('client_id', options.clientId);
      url.searchParams.set('redirect_uri', options.redirectUri);
      url.searchParams.set('scope', input.scopes.join(' '));
      if (input.optionalScopes && input.optionalScopes.length > 0) url.searchParams.set('optional_scope', input.optionalScopes.join(' '));
      url.searchParams.set('state', input.state);
      return url.toString();
    },

    async exchangeCode(code: string): Promise<TokenSet> {
      const { status, body } = await post('/oauth/2026-03/token', {
        grant_type: 'authorization_code',
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uri: options.redirectUri,
        code,
      });
      if (status !== 200) throw grantError(status, body);
      return toTokenSet(body);
    },

    async refresh(refreshToken: string): Promise<TokenSet> {
      const { status, body } = await post('/oauth/2026-03/token', {
        grant_type: 'refresh_token',
        client_id: options.clientId,
        client_secret: options.clientSecret,
        refresh_token: refreshToken,
      });
      if (status !== 200) throw grantError(status, body);
      return toTokenSet(body);
    },

    async introspect(token: string, hint: 'access_token' | 'refresh_token' = 'access_token'): Promise<TokenIntrospection> {
      const { status, body } = await post('/oauth/2026-03/token/introspect', {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        token,
        token_type_hint: hint,
      });
      if (status !== 200) throw grantError(status, body);
      return {
        active: body.active === true,
        hubId: body.hub_id === undefined ? null : Number(body.hub_id),
        hubDomain: typeof body.hub_domain === 'string' ? body.hub_domain : null,
        user: typeof body.user === 'string' ? body.user : null,
        userId: body.user_id === undefined ? null : Number(body.user_id),
        scopes: Array.isArray(body.scopes) ? body.scopes.map(String) : [],
        expiresInSeconds: body.expires_in === undefined ? null : Number(body.expires_in),
      };
    },

    async revoke(refreshToken: string): Promise<void> {
      const { status, body } = await post('/oauth/2026-03/token/revoke', {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        token: refreshToken,
        token_type_hint: 'refresh_token',
      });
      // A token that is already dead is the outcome we wanted.
      if (status >= 300 && !(status === 400 && grantError(status, body).refused)) throw grantError(status, body);
    },

    /**
     * The Uninstall App API (marketplace certification wants Disconnect to call it): the dated
     * path, and the deprecated v3 one only when the dated one is not there (404).
     */
    async uninstall(accessToken: string): Promise<void> {
      const call = async (path: string): Promise<number> => {
        let response: Response;
        try {
          response = await options.fetch(`${apiBase}${path}`, {
            method: 'DELETE',
            headers: { authorization: `Bearer ${accessToken}` },
            signal: AbortSignal.timeout(options.timeoutMs),
          });
        } catch (error) {
          throw new HubSpotKitError('HUBSPOT_REQUEST_FAILED', `Could not reach HubSpot to uninstall the app: ${(error as Error).message}`);
        }
        await response.text();
        return response.status;
      };
      let status = await call(UNINSTALL_PATH);
      if (status === 404) status = await call(LEGACY_UNINSTALL_PATH);
      // 401: the token is dead, so the app is gone already; 404 on both: nothing to uninstall.
      if (status >= 300 && status !== 401 && status !== 404) {
        throw new HubSpotKitError('HUBSPOT_REQUEST_FAILED', `HubSpot refused to uninstall the app (HTTP ${status})`, { details: { status } });
      }
    },
  };
}

export type OAuthClient = ReturnType<typeof createOAuthClient>;
