import type { ServerResponse } from 'node:http';
import { httpStatusForErrorCode, isHubSpotKitError, type HubSpotKitError, type HubSpotKitErrorCode, type Logger } from '@jobcannon/hubspot-core';

/** Core's `ErrorDetails` (not exported by name from its entry point). */
type ErrorDetails = HubSpotKitError['details'];

/** Every non-2xx JSON answer of the router (the widget's `ErrorBody`). */
export interface ErrorBody {
  error: { code: HubSpotKitErrorCode; message: string; details?: ErrorDetails };
}

/**
 * Codes whose details are facts about the caller's own request (which field, what limit, how
 * many were sent), so the client learns how to fix it. Every other code's details stay server
 * side: they may name orgs, portals or keys.
 */
const REQUEST_FACT_CODES = new Set<HubSpotKitErrorCode>(['BAD_REQUEST', 'PAYLOAD_TOO_LARGE']);
const REQUEST_FACT_KEYS = ['field', 'limit', 'value'] as const;

/** Longest text a log field keeps: a database error's message can hold the whole SQL statement (1 MB with 70,000 ids). */
export const MAX_LOGGED_TEXT = 2_000;

export function capText(text: string | undefined, max = MAX_LOGGED_TEXT): string | undefined {
  if (text === undefined || text.length <= max) return text;
  return `${text.slice(0, max)}… [${text.length - max} more characters]`;
}

function requestFacts(details: ErrorDetails): ErrorDetails | undefined {
  const facts = Object.fromEntries(REQUEST_FACT_KEYS.filter((key) => typeof details[key] === 'string' || typeof details[key] === 'number').map((key) => [key, details[key]]));
  return Object.keys(facts).length > 0 ? facts : undefined;
}

const WATCHED = new Set<HubSpotKitErrorCode>(['CROSS_SITE_REQUEST']);

const GENERIC_MESSAGE = 'Something went wrong on our side. Try again; if it keeps happening, contact JobCannon support.';

/**
 * The router's one error → HTTP mapping. A HubSpotKitError keeps its code and message (core
 * writes those without secrets) and takes its status from core's `httpStatusForErrorCode`;
 * anything else becomes INTERNAL with a generic message, because its text may carry SQL, paths
 * or tokens.
 */
export function describeError(error: unknown): { status: number; body: ErrorBody; unexpected: boolean } {
  if (isHubSpotKitError(error)) {
    const details = REQUEST_FACT_CODES.has(error.code) ? requestFacts(error.details) : undefined;
    return { status: httpStatusForErrorCode(error.code), body: { error: { code: error.code, message: error.message, ...(details ? { details } : {}) } }, unexpected: false };
  }
  return { status: httpStatusForErrorCode('INTERNAL'), body: { error: { code: 'INTERNAL', message: GENERIC_MESSAGE } }, unexpected: true };
}

/** Logs what the client cannot see: unexpected errors in full (server side only), known ones briefly. */
export function logError(logger: Logger, route: string, error: unknown): void {
  if (isHubSpotKitError(error)) {
    const fields = { route, code: error.code, message: capText(error.message) };
    if (httpStatusForErrorCode(error.code) >= 500) logger.error('hubspot router: request failed', fields);
    // Refused cross-site posts are worth seeing: a misconfigured front end or an attack.
    else if (WATCHED.has(error.code)) logger.warn('hubspot router: request refused', fields);
    else logger.debug('hubspot router: request refused', fields);
    return;
  }
  const failure = error instanceof Error ? error : new Error(String(error));
  // Capped: a knex error's message repeats the statement, and its stack repeats the message.
  logger.error('hubspot router: unexpected error', { route, name: failure.name, message: capText(failure.message), stack: capText(failure.stack, MAX_LOGGED_TEXT * 2) });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** A 302 to `location` (already a URL string: `URL` or the host's configuration made it). */
export function redirect(res: ServerResponse, location: string): void {
  res.statusCode = 302;
  res.setHeader('Location', location);
  res.setHeader('Content-Length', 0);
  res.end();
}

export function sendError(res: ServerResponse, logger: Logger, route: string, error: unknown, headers?: Record<string, string>): void {
  logError(logger, route, error);
  const { status, body } = describeError(error);
  // A response already under way cannot change its status; the client sees a cut-off body.
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, status, body, headers);
}
