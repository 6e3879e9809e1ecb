// Everything the admin reads lives here, so the wording can be reviewed in one place and hosts
// that draw their own UI (through the hook) get the same plain-language text as the row.
// The troubleshooting section of docs/hubspot-setup.md is the source for what each one says.
import type { BootstrapReport, Fix, IntegrationStatusReport, Problem, PropertyDrift, RequestName, ViewState, WidgetError } from './types.js';

type Entry = readonly [message: string, action: string | null, fix: Fix | null];

const AGAIN = 'Click Connect HubSpot to start again.';
const RESYNC = 'Click Resync properties: it re-creates only what is missing and never overwrites anything.';

/** Error codes (the router's, core's `lastError`, HubSpot's) with words for people. */
const CODES: Record<string, Entry> = {
  MUST_RECONNECT: [
    'HubSpot refused our access - the app was uninstalled or the token revoked.',
    'Click Reconnect HubSpot. No data is lost: held results are sent after you reconnect.',
    'reconnect',
  ],
  TOKEN_REFRESH_FAILED: ['JobCannon could not renew its access to HubSpot.', 'It tries again on its own. If this stays for more than an hour, click Reconnect HubSpot.', 'reconnect'],
  HUBSPOT_RATE_LIMITED: [
    'HubSpot is limiting how fast JobCannon may send data, so syncing is behind.',
    'Nothing is lost: queued results are retried automatically every few minutes. If it lasts more than 30 minutes, check which other apps share your HubSpot API limit.',
    null,
  ],
  BOOTSTRAP_FAILED: ['JobCannon could not set up its properties in your HubSpot portal.', 'Click Resync properties. If it fails again, click Reconnect HubSpot and approve every requested permission.', 'resync'],
  PROPERTY_DOESNT_EXIST: ['Some JobCannon properties are missing in HubSpot - someone may have deleted them.', RESYNC, 'resync'],
  MISSING_SCOPES: [
    'HubSpot did not grant all the access JobCannon needs (reading and writing contacts and contact properties).',
    'Click Reconnect HubSpot and approve every requested permission.',
    'reconnect',
  ],
  PORTAL_MISMATCH: [
    'That HubSpot account is not the one this organization is connected to.',
    'Click Reconnect HubSpot and choose the original account, or click Switch to the other portal if connecting the new one is intended (results then go to the new portal).',
    'reconnect',
  ],
  OAUTH_DENIED: [
    'HubSpot access was not approved.',
    'Click Connect HubSpot and approve the requested access. If your HubSpot uses an app allowlist, an admin must add JobCannon to it first.',
    'connect',
  ],
  OAUTH_STATE_INVALID: ['The HubSpot sign-in could not be matched to this session (it was started in another tab or browser, or already used).', AGAIN, 'connect'],
  OAUTH_STATE_EXPIRED: ['The HubSpot sign-in took too long and expired.', AGAIN, 'connect'],
  OAUTH_EXCHANGE_FAILED: ['HubSpot approved the connection, but JobCannon could not complete it with HubSpot.', 'Wait a minute, then click Connect HubSpot again.', 'connect'],
  NOT_CONNECTED: ['HubSpot is not connected.', 'Click Connect HubSpot first.', 'connect'],
  NETWORK_ERROR: ['Could not reach JobCannon.', 'Check your connection, then try again.', null],
  UNAUTHENTICATED: ['Your JobCannon session has ended.', 'Sign in again, then retry.', null],
  OAUTH_ORG_MISMATCH: [
    'This HubSpot connection was started for another organization than the one you are signed in to, so it was not saved.',
    'Sign in to the organization you want to connect, as an admin, and click Connect HubSpot again.',
    'connect',
  ],
  FORBIDDEN: ['Only organization admins can manage the HubSpot integration.', 'Ask an admin of your organization to do this.', null],
  CROSS_SITE_REQUEST: ['The request was refused because it did not come from this page.', 'Reload the page and try again.', null],
  BAD_RESPONSE: ['JobCannon sent an answer the widget could not read.', 'Reload the page; if it keeps happening, contact JobCannon support.', null],
};
// HubSpot's own name for the denial, as it arrives in `?reason=` straight from the consent page.
CODES.access_denied = CODES.OAUTH_DENIED!;
CODES.PROPERTY_MISSING = CODES.PROPERTIES_MISSING = CODES.PROPERTY_DOESNT_EXIST!;

// Own keys only: codes arrive from the URL, and `CODES['toString']` must not count as an entry.
const entryFor = (code: string): Entry | undefined => (Object.hasOwn(CODES, code) ? CODES[code] : undefined);

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** "a, b, c, d, e and 3 more": long lists would push the actions off screen. */
export function listNames(names: readonly string[], max = 5): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

const describeDrift = (drift: readonly PropertyDrift[]) =>
  listNames(drift.map((d) => `${d.name} (${d.field} is ${JSON.stringify(d.actual)}, expected ${JSON.stringify(d.expected)})`), 3);

/**
 * The pill state. One rule, in this order:
 * 1. `not_connected` / `disconnected` → `not_connected` (both mean "click Connect").
 * 2. `must_reconnect` → `must_reconnect`.
 * 3. connected, and something needs the admin (a `lastError`, a bootstrap that is not ok, or
 *    failed results) → `error`. It wins over syncing: a row that is busy but broken must not look fine.
 * 4. connected and `syncing` or `queue.pending > 0` → `syncing`.
 * 5. otherwise `connected`.
 */
export function deriveView(report: IntegrationStatusReport): ViewState {
  if (report.status === 'must_reconnect') return 'must_reconnect';
  if (report.status !== 'connected') return 'not_connected';
  if (report.lastError || (report.bootstrap && !report.bootstrap.ok) || report.queue.failed > 0) return 'error';
  if (report.syncing || report.queue.pending > 0) return 'syncing';
  return 'connected';
}

/**
 * What the admin should know and do, most urgent first. Empty for a healthy or never-connected
 * row: a stale `lastError` from before a disconnect is not something to act on.
 */
export function describeProblems(report: IntegrationStatusReport): Problem[] {
  if (report.status !== 'connected' && report.status !== 'must_reconnect') return [];
  const problems: Problem[] = [];
  const add = (id: string, [message, action, fix]: Entry) => {
    // The same fix said twice (a MUST_RECONNECT lastError on a must_reconnect row) is noise.
    if (!problems.some((p) => p.message === message)) problems.push({ id, message, action, fix });
  };
  if (report.status === 'must_reconnect') add('must_reconnect', CODES.MUST_RECONNECT!);
  const last = report.lastError;
  if (last) add(`error:${last.code}`, entryFor(last.code) ?? [last.message, last.action, null]);
  const bootstrap = report.bootstrap;
  if (bootstrap && bootstrap.missing.length > 0) {
    add('properties_missing', [
      `${plural(bootstrap.missing.length, 'JobCannon property is', 'JobCannon properties are')} missing in HubSpot: ${listNames(bootstrap.missing)}. Someone may have deleted them.`,
      RESYNC,
      'resync',
    ]);
  }
  if (bootstrap && bootstrap.drift.length > 0) {
    add('properties_drift', [
      `${plural(bootstrap.drift.length, 'JobCannon property differs', 'JobCannon properties differ')} from what JobCannon expects: ${describeDrift(bootstrap.drift)}.`,
      'Resync never overwrites existing properties: fix or delete them in HubSpot (Settings → Properties), then click Resync properties.',
      'resync',
    ]);
  }
  if (report.queue.failed > 0) {
    add('failed', [
      `${plural(report.queue.failed, 'result', 'results')} could not be sent to HubSpot.`,
      `Click View ${report.queue.failed} failed to see why, then retry them.`,
      'failures',
    ]);
  }
  return problems;
}

/** A failed request in plain language; unknown codes fall back to the server's own message. */
export function describeError(request: RequestName, code: string, httpStatus: number, serverMessage: string): WidgetError {
  const entry = entryFor(code);
  return { request, code, httpStatus, message: entry ? [entry[0], entry[1]].filter(Boolean).join(' ') : serverMessage };
}

/** The heading a failed request is shown under. */
export const REQUEST_TITLES: Record<RequestName, string> = {
  status: 'Could not load the HubSpot status.',
  resync: 'Resync failed.',
  disconnect: 'Disconnect failed.',
  failures: 'Could not load failed results.',
  retry: 'Retry failed.',
};

/** What a resync did, e.g. "Created 3 properties: jc_disc_d, jc_disc_i, jc_disc_s." */
export function describeResync(report: BootstrapReport): string {
  const parts: string[] = [];
  if (report.groupCreated) parts.push('Created the JobCannon Assessments property group.');
  if (report.created.length > 0) parts.push(`Created ${plural(report.created.length, 'property', 'properties')}: ${listNames(report.created)}.`);
  if (parts.length === 0 && report.ok) parts.push(`Everything was already in place${report.existing.length > 0 ? ` (${plural(report.existing.length, 'property', 'properties')} checked)` : ''}.`);
  if (report.missing.length > 0) parts.push(`Still missing: ${listNames(report.missing)}.`);
  if (report.drift.length > 0) parts.push(`Different from what JobCannon expects: ${describeDrift(report.drift)}.`);
  return parts.join(' ');
}

/** What a retry did; 0 means someone else already put those results back in the queue. */
export function describeRetry(retried: number): string {
  return retried === 0 ? 'Nothing to retry: those results were already back in the queue.' : `Sent ${plural(retried, 'result', 'results')} back to the queue.`;
}

export type OAuthRedirect = { outcome: 'connected' } | { outcome: 'error'; reason: string; message: string; action: string | null };

/**
 * The outcome the router's OAuth callback put in the URL (`?hubspot=connected|error&reason=`).
 * `button` is the label of the button the admin will see ("Reconnect HubSpot" on a row that was
 * connected before), so the advice names what is actually on screen.
 */
export function readOAuthRedirect(search: string, button = 'Connect HubSpot'): OAuthRedirect | null {
  const params = new URLSearchParams(search);
  const outcome = params.get('hubspot');
  if (outcome === 'connected') return { outcome };
  if (outcome !== 'error') return null;
  const reason = params.get('reason') || 'unknown';
  const [message, action] = entryFor(reason) ?? [
    `HubSpot could not be connected (reason: ${reason}).`,
    'Click Connect HubSpot to try again. If it keeps failing, contact JobCannon support.',
  ];
  return { outcome, reason, message, action: action && action.replace(/\b(?:Connect|Reconnect) HubSpot\b/g, button) };
}
