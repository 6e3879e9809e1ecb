import type { ServerResponse } from 'node:http';
import { httpStatusForErrorCode, isHubSpotKitError, type HubSpotKitErrorCode, type Logger } from '@jobcannon/hubspot-core';

/** Every non-2xx JSON answer of the router (the widget's `ErrorBody`). */
export interface ErrorBody {
  error: { code: HubSpotKitErrorCode; message: string };
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
    return { status: httpStatusForErrorCode(error.code), body: { error: { code: error.code, message: error.message } }, unexpected: false };
  }
  return { status: httpStatusForErrorCode('INTERNAL'), body: { error: { code: 'INTERNAL', message: GENERIC_MESSAGE } }, unexpected: true };
}

/** Logs what the client cannot see: unexpected errors in full (server side only), known ones briefly. */
export function logError(logger: Logger, route: string, error: unknown): void {
  if (isHubSpotKitError(error)) {
    const fields = { route, code: error.code, message: error.message };
    if (httpStatusForErrorCode(error.code) >= 500) logger.error('hubspot router: request failed', fields);
    // Refused cross-site posts are worth seeing: a misconfigured front end or an attack.
    else if (WATCHED.has(error.code)) logger.warn('hubspot router: request refused', fields);
    else logger.debug('hubspot router: request refused', fields);
    return;
  }
  const failure = error instanceof Error ? error : new Error(String(error));
  logger.error('hubspot router: unexpected error', { route, name: failure.name, message: failure.message, stack: failure.stack });
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
