import type { Logger } from '@jobcannon/hubspot-core';

/** Who is asking, as the host's session knows it. The router acts on `orgId` and nothing else. */
export interface HubSpotRouterIdentity {
  orgId: string;
  userId: string;
  /** The member's role in the org; `'admin'` may manage the integration unless `isAdmin` decides. */
  role?: string | null;
}

/**
 * The host's session check: the signed-in member, or null (may be async). It receives the host's
 * own request object: Express's `req` under the Express adapter, Node's `IncomingMessage` under
 * the node:http one.
 */
export type AuthorizeHook<HostRequest> = (req: HostRequest) => HubSpotRouterIdentity | null | undefined | Promise<HubSpotRouterIdentity | null | undefined>;

/** The options of every adapter; `HostRequest` is what the host's hooks receive. */
export interface HubSpotHandlerOptions<HostRequest> {
  authorize: AuthorizeHook<HostRequest>;
  /**
   * Where the OAuth callback sends the browser, with `?hubspot=connected` or
   * `?hubspot=error&reason=<CODE>` added: a path (`/settings/integrations`) or an absolute URL the
   * host configured, or a function of the request that returns a same-origin path. Never read
   * from the query string, so the callback cannot be turned into an open redirect.
   */
  returnTo: string | ((req: HostRequest) => string);
  /** Who may connect, disconnect, resync and retry. Default: `identity.role === 'admin'`. */
  isAdmin?: (identity: HubSpotRouterIdentity, req: HostRequest) => boolean | Promise<boolean>;
  /**
   * The public URL HubSpot posts webhooks to, exactly as configured in the app (protocol, host,
   * path, query). The v3 signature covers it. Without it the URL is rebuilt from the request
   * (the adapter's idea of protocol and host, plus the path as addressed); behind a proxy that
   * rewrites the path or host, pass it.
   */
  webhookUrl?: string;
  /** Extra origins (e.g. `https://admin.jobcannon.io`) allowed to POST besides the request's own. */
  allowedOrigins?: string[];
  /** Where unexpected errors (answered as a generic 500) are written. Default: errors to stderr as JSON lines. */
  logger?: Logger;
  /** Largest webhook body the router reads itself. Default 1 MiB (HubSpot sends at most 100 events). */
  maxBodyBytes?: number;
}
