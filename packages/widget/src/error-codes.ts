// The widget's copy of the keys of core's ERROR_CODES (packages/core/src/errors.ts), as a runtime
// list: the messages test walks it so every code has words, and src/test-support/contract-types.ts
// fails the typecheck when it and core's vocabulary differ by one code either way. A copy, not an
// import, for the reason src/types.ts gives.
import { defaultMessages } from './messages.js';
export const ERROR_CODE_NAMES = [
  'INVALID_INVITE',
  'INVALID_OPTIONS',
  'BAD_REQUEST',
  'METHOD_NOT_ALLOWED',
  'PAYLOAD_TOO_LARGE',
  'NOT_FOUND',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'CROSS_SITE_REQUEST',
  'NOT_CONNECTED',
  'MUST_RECONNECT',
  'PORTAL_MISMATCH',
  'PORTAL_SHARED',
  'PORTAL_IN_USE',
  'MISSING_SCOPES',
  'OAUTH_STATE_INVALID',
  'OAUTH_STATE_EXPIRED',
  'OAUTH_DENIED',
  'OAUTH_ORG_MISMATCH',
  'OAUTH_USER_MISMATCH',
  'OAUTH_BROWSER_MISMATCH',
  'OAUTH_EXCHANGE_FAILED',
  'TOKEN_REFRESH_FAILED',
  'ENCRYPTION_KEY_MISSING',
  'DECRYPTION_FAILED',
  'HUBSPOT_RATE_LIMITED',
  'HUBSPOT_UNAVAILABLE',
  'HUBSPOT_TIMEOUT',
  'HUBSPOT_UNREACHABLE',
  'HUBSPOT_LOCKED',
  'HUBSPOT_UNAUTHORIZED',
  'HUBSPOT_FORBIDDEN',
  'HUBSPOT_INVALID_EMAIL',
  'HUBSPOT_INVALID_VALUE',
  'HUBSPOT_REJECTED',
  'HUBSPOT_NO_RESULT',
  'HUBSPOT_REQUEST_FAILED',
  'PROPERTIES_MISSING',
  'BOOTSTRAP_FAILED',
  'RETRIES_EXHAUSTED',
  'LEASE_LOST',
  'SHUTTING_DOWN',
  'WEBHOOK_SIGNATURE_INVALID',
  'INTERNAL',
] as const;

/** Codes the widget itself gives a request that never got a kit answer. */
export const WIDGET_ERROR_CODES = ['NETWORK_ERROR', 'BAD_RESPONSE', 'UNKNOWN_ERROR'] as const;

/**
 * Whether a string from outside (the query string, a server answer) is a code the widget has
 * words for: an own key of the English table written like a code (upper case and underscores),
 * so `?reason=dismiss` or `?reason=toString` never pass for one. The table's type holds exactly
 * the codes above (the typecheck says so), so the list itself need not ship to browsers.
 */
export const isKnownCode = (value: unknown): value is (typeof ERROR_CODE_NAMES)[number] | (typeof WIDGET_ERROR_CODES)[number] =>
  typeof value === 'string' && /^[A-Z][A-Z_]+$/.test(value) && Object.hasOwn(defaultMessages, value);
