import type { IncomingHttpHeaders } from 'node:http';
import type { EmulatorCore } from './core.js';
import type { Reply } from './replies.js';
import type { AccessTokenRecord, AppState, PortalState } from './state.js';

/** `api` routes need a bearer token and count against the 10 s limit; `search` has its own limit; `oauth` neither. */
export type RouteKind = 'api' | 'search' | 'oauth';

export interface AuthInfo {
  token: AccessTokenRecord;
  portal: PortalState;
  app: AppState;
}

export interface RequestContext {
  core: EmulatorCore;
  method: string;
  url: URL;
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The parsed JSON body on routes that take one. */
  body: unknown;
  correlationId: string;
  /** Set on `api` and `search` routes. */
  auth?: AuthInfo;
}

export interface RouteDef {
  method: string;
  pattern: RegExp;
  /** Stable name used by fault rules, counters and the request log. */
  name: string;
  kind: RouteKind;
  /** Any one of these scopes is enough (HubSpot's granular-scope check). */
  scopes?: string[];
  /** Parse the body as JSON (400 "Invalid input JSON …" on failure). */
  json?: boolean;
  handler(ctx: RequestContext): Reply | Promise<Reply>;
}

export type RouteMatch = { route: RouteDef; params: Record<string, string> } | { methodNotAllowed: true } | undefined;

export function matchRoute(routes: RouteDef[], method: string, pathname: string): RouteMatch {
  let pathMatched = false;
  for (const route of routes) {
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(match.groups ?? {})) {
      if (value !== undefined) params[key] = safeDecode(value);
    }
    return { route, params };
  }
  return pathMatched ? { methodNotAllowed: true } : undefined;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function requireAuth(ctx: RequestContext): AuthInfo {
  if (!ctx.auth) throw new Error(`route needs authentication but none was resolved (${ctx.url.pathname})`);
  return ctx.auth;
}

/** Query values that the official client sends repeated (`properties=a&properties=b`) or callers send comma-separated. */
export function listParam(url: URL, name: string): string[] | undefined {
  const values = url.searchParams.getAll(name);
  if (values.length === 0) return undefined;
  return values.flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean);
}
