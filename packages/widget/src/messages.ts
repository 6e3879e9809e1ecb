// Every word an admin reads, in one table: the row, the drawer and the headless hook take their
// text from here and nowhere else. Core sends codes and structured details only; the sentences
// are built here from those details. A host replaces any entry with the `messages` prop (a
// partial table, e.g. a translation); `src/describe.ts` picks the entries, this file only words.
import { formatRelativeTime } from './format-relative-time.js';
import type { BootstrapReport, ErrorDetails, HubSpotKitErrorCode, PortalInfo, PropertyDrift, RequestName, ViewState, WidgetErrorCode } from './types.js';

/** What a code's sentence may use besides its details. */
export interface MessageContext {
  /** The label of the Connect/Reconnect button on screen, so advice names what is there. */
  button: string;
  /** Another code's "what happened" sentence (RETRIES_EXHAUSTED words its last cause with it). */
  messageFor(code: string): string;
}

/** A fixed sentence, or one built from the failure's details. */
export type MessageText = string | ((details: ErrorDetails, context: MessageContext) => string);

/** What happened, and what to do about it (omitted when there is nothing to do). */
export interface CodeMessage {
  message: MessageText;
  action?: MessageText;
}

export type MessageCode = HubSpotKitErrorCode | WidgetErrorCode;

/** The wording of the row and the drawer (everything that is not a code's sentence). */
export interface UiMessages {
  /** The row's heading (and its accessible name). */
  title: string;
  /** Read by screen readers before the pill's label. */
  statusPrefix: string;
  pill: Record<ViewState | 'loading' | 'unavailable', string>;
  portal(portal: PortalInfo): string;
  /** Followed by the time, e.g. "Connected by rita@acme.test" + " 3 days ago". */
  connectedBy(user: string | null): string;
  intro: string;
  heldUntilConnect(held: number): string;
  lastSync: string;
  neverSynced: string;
  pending: string;
  held: string;
  failed: string;
  connectedBanner(portal: PortalInfo | null): string;
  /** The OAuth redirect named a reason the widget does not know (its text is never shown). */
  connectFailed: CodeMessage;
  requestFailed: Record<RequestName, string>;
  propertiesMissing(names: readonly string[]): string;
  propertiesMissingAction: string;
  propertiesDrift(drift: readonly PropertyDrift[]): string;
  propertiesDriftAction: string;
  failedResults(count: number): string;
  /** `button` is the label of the View N failed button. */
  failedResultsAction(button: string): string;
  /** "HubSpot said: …" under a sentence; `text` is already cleaned of JSON and cut short. */
  hubspotSaid(text: string): string;
  connect: string;
  reconnect: string;
  resync: string;
  viewFailed(count: number): string;
  disconnect: string;
  switchPortal: string;
  dismiss: string;
  tryAgain: string;
  confirmDisconnect(portal: PortalInfo | null): string;
  confirmDisconnectButton: string;
  cancel: string;
  resyncing: string;
  resynced(report: BootstrapReport): string;
  retrying: string;
  retried(count: number): string;
  disconnecting: string;
  disconnected: string;
  failuresTitle: string;
  failuresLoading: string;
  failuresNone: string;
  failuresShowing(shown: number, total: number): string;
  failuresLoadError: string;
  columns: Record<'email' | 'invite' | 'reason' | 'attempts' | 'failed' | 'action', string>;
  retry: string;
  retryLabel(email: string): string;
  retryAll: string;
  loadMore: string;
  close: string;
  timeAgo(date: Date, now: number): string;
}

export type Messages = Record<MessageCode, CodeMessage> & UiMessages;

/** What a host passes as `messages`: any entries to replace, the rest stay English. */
export type MessageOverrides = Partial<Messages>;

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** "a, b, c, d, e and 3 more": long lists would push the actions off screen. */
export function listNames(names: readonly string[], max = 5): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}

/** A value for a sentence: short scalars only; objects (JSON) and long text are never shown whole. */
export function quote(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') return '';
  const flat = value.replace(/\s+/g, ' ').trim();
  return `"${flat.length > 60 ? `${flat.slice(0, 59)}…` : flat}"`;
}

const describeDrift = (drift: readonly PropertyDrift[]) =>
  listNames(
    drift.map((d) => `${d.name} (${d.field} is ${quote(d.actual) || 'different'}, expected ${quote(d.expected) || 'otherwise'})`),
    3,
  );

const portalName = (portal: PortalInfo) => portal.domain ?? `Hub ID ${portal.id}`;

const RETRIES_ON_ITS_OWN = 'Nothing is lost: JobCannon tries again on its own.';
const SUPPORT = 'If it keeps happening, contact JobCannon support.';
const RELOAD = 'Reload the page and try again.';
const CORRECT = 'Correct it in JobCannon and the result is sent again.';
const START_AGAIN: MessageText = (_, c) => `Click ${c.button} to start again.`;
const RESYNC = 'Click Resync properties: it re-creates only what is missing and never overwrites anything.';

/** The English table. */
export const defaultMessages: Messages = {
  // ---- input and configuration ----
  INVALID_INVITE: {
    message: (d) =>
      d.field
        ? `JobCannon could not send this result: the invite's ${d.field} is not valid${quote(d.value) ? ` (${quote(d.value)})` : ''}.`
        : 'JobCannon could not send this result: the invite has a value that is not valid.',
    action: CORRECT,
  },
  INVALID_OPTIONS: { message: 'The HubSpot integration is not set up correctly on JobCannon’s side.', action: 'Contact JobCannon support.' },
  BAD_REQUEST: { message: 'JobCannon could not understand the request.', action: RELOAD },
  METHOD_NOT_ALLOWED: { message: 'JobCannon refused the request as sent.', action: `${RELOAD} ${SUPPORT}` },
  PAYLOAD_TOO_LARGE: { message: 'The request was too large.', action: 'Retry fewer results at a time.' },
  NOT_FOUND: { message: 'The HubSpot integration could not be found on JobCannon’s side.', action: `${RELOAD} ${SUPPORT}` },

  // ---- who may do what ----
  UNAUTHENTICATED: { message: 'Your JobCannon session has ended.', action: 'Sign in again, then retry.' },
  FORBIDDEN: { message: 'Only organization admins can manage the HubSpot integration.', action: 'Ask an admin of your organization to do this.' },
  CROSS_SITE_REQUEST: { message: 'The request was refused because it did not come from this page.', action: RELOAD },

  // ---- the connection ----
  NOT_CONNECTED: { message: 'HubSpot is not connected.', action: (_, c) => `Click ${c.button} first.` },
  MUST_RECONNECT: {
    message: 'HubSpot refused our access - the app was uninstalled or the token revoked.',
    action: (_, c) => `Click ${c.button}. No data is lost: held results are sent after you reconnect.`,
  },
  PORTAL_MISMATCH: {
    message: 'That HubSpot account is not the one this organization is connected to.',
    action: (_, c) =>
      `Click ${c.button} and choose the original account, or click Switch to the other portal if connecting the new one is intended (results then go to the new portal).`,
  },
  MISSING_SCOPES: {
    message: 'HubSpot did not grant all the access JobCannon needs (reading and writing contacts and contact properties).',
    action: (_, c) => `Click ${c.button} and approve every requested permission.`,
  },
  OAUTH_STATE_INVALID: {
    message: 'The HubSpot sign-in could not be matched to this session (it was started in another tab or browser, or already used).',
    action: START_AGAIN,
  },
  OAUTH_STATE_EXPIRED: { message: 'The HubSpot sign-in took too long and expired.', action: START_AGAIN },
  OAUTH_DENIED: {
    message: 'HubSpot access was not approved.',
    action: (_, c) => `Click ${c.button} and approve the requested access. If your HubSpot uses an app allowlist, an admin must add JobCannon to it first.`,
  },
  OAUTH_ORG_MISMATCH: {
    message: 'This HubSpot connection was started for another organization than the one you are signed in to, so it was not saved.',
    action: (_, c) => `Sign in to the organization you want to connect, as an admin, and click ${c.button} again.`,
  },
  OAUTH_USER_MISMATCH: {
    message: 'This HubSpot connection was started by another JobCannon user than the one signed in here, so it was not saved.',
    action: (_, c) => `Sign in as yourself and click ${c.button} again.`,
  },
  OAUTH_BROWSER_MISMATCH: {
    message: 'The HubSpot approval finished in another browser (or profile) than the one that started it, so it was not saved.',
    action: (_, c) => `Click ${c.button} in this browser and approve in the window that opens.`,
  },
  OAUTH_EXCHANGE_FAILED: {
    message: 'HubSpot approved the connection, but JobCannon could not complete it with HubSpot.',
    action: (_, c) => `Wait a minute, then click ${c.button} again.`,
  },
  TOKEN_REFRESH_FAILED: {
    message: 'JobCannon could not renew its access to HubSpot.',
    action: (_, c) => `It tries again on its own. If this stays for more than an hour, click ${c.button}.`,
  },
  ENCRYPTION_KEY_MISSING: { message: 'JobCannon cannot read its stored HubSpot access: its encryption key is not set up.', action: 'Contact JobCannon support.' },
  DECRYPTION_FAILED: {
    message: 'JobCannon could not read its stored HubSpot access (its encryption key changed).',
    action: (_, c) => `Click ${c.button} to store a fresh one. ${SUPPORT}`,
  },

  // ---- HubSpot's answers ----
  HUBSPOT_RATE_LIMITED: {
    message: 'HubSpot is limiting how fast JobCannon may send data, so syncing is behind.',
    action:
      'Nothing is lost: queued results are retried automatically every few minutes. If it lasts more than 30 minutes, check which other apps share your HubSpot API limit.',
  },
  HUBSPOT_UNAVAILABLE: { message: 'HubSpot is having trouble right now (it answered with a server error).', action: RETRIES_ON_ITS_OWN },
  HUBSPOT_TIMEOUT: { message: 'HubSpot took too long to answer.', action: RETRIES_ON_ITS_OWN },
  HUBSPOT_UNREACHABLE: { message: 'JobCannon could not reach HubSpot.', action: RETRIES_ON_ITS_OWN },
  HUBSPOT_LOCKED: { message: 'HubSpot asked JobCannon to wait while it finishes earlier changes to these contacts.', action: RETRIES_ON_ITS_OWN },
  HUBSPOT_UNAUTHORIZED: {
    message: 'HubSpot did not accept JobCannon’s access, even after renewing it.',
    action: (_, c) => `JobCannon tries again on its own. If this stays, click ${c.button}.`,
  },
  HUBSPOT_FORBIDDEN: {
    message: 'HubSpot refused JobCannon access to contacts in this portal.',
    action: (_, c) => `Check that your HubSpot subscription lets apps edit contacts, then click ${c.button} and approve every requested permission.`,
  },
  HUBSPOT_INVALID_EMAIL: {
    message: (d) => (d.email ? `HubSpot refused the email address ${d.email}.` : 'HubSpot refused the candidate’s email address.'),
    action: CORRECT,
  },
  HUBSPOT_INVALID_VALUE: {
    message: (d) => {
      const value = quote(d.value);
      const property = d.property ?? d.field;
      return `HubSpot refused ${value ? `the value ${value}` : 'a value'}${property ? ` for the property ${property}` : ''}.`;
    },
    action: `${CORRECT} If the value is right, check that property in HubSpot (Settings → Properties).`,
  },
  HUBSPOT_REJECTED: {
    message: (d) => `HubSpot refused this result${typeof d.status === 'number' ? ` (HTTP ${d.status})` : ''}.`,
    action: `${CORRECT} ${SUPPORT}`,
  },
  HUBSPOT_NO_RESULT: { message: 'HubSpot answered without saying what happened to this contact.', action: 'JobCannon sends it again on its own.' },
  HUBSPOT_REQUEST_FAILED: { message: 'A request to HubSpot failed.', action: `JobCannon tries again on its own. ${SUPPORT}` },
  PROPERTIES_MISSING: {
    message: (d) =>
      d.property
        ? `The JobCannon property ${d.property} is missing in HubSpot - someone may have deleted it.`
        : 'Some JobCannon properties are missing in HubSpot - someone may have deleted them.',
    action: RESYNC,
  },
  BOOTSTRAP_FAILED: {
    message: 'JobCannon could not set up its properties in your HubSpot portal.',
    action: (_, c) => `Click Resync properties. If it fails again, click ${c.button} and approve every requested permission.`,
  },

  // ---- the queue ----
  RETRIES_EXHAUSTED: {
    message: (d, c) => `JobCannon stopped retrying this result after repeated failures.${d.lastCode ? ` The last one: ${c.messageFor(d.lastCode)}` : ''}`,
    action: 'Retry it once the cause is fixed.',
  },
  LEASE_LOST: { message: 'Another JobCannon worker took over sending this result.', action: 'Nothing to do: it is sent by that worker.' },
  SHUTTING_DOWN: { message: 'JobCannon was restarting while it sent this result.', action: RETRIES_ON_ITS_OWN },

  // ---- webhooks ----
  WEBHOOK_SIGNATURE_INVALID: { message: 'A notification claiming to come from HubSpot could not be verified, so it was ignored.', action: SUPPORT },

  INTERNAL: { message: 'Something went wrong in JobCannon.', action: `Try again in a minute. ${SUPPORT}` },

  // ---- the widget's own ----
  NETWORK_ERROR: { message: 'Could not reach JobCannon.', action: 'Check your connection, then try again.' },
  BAD_RESPONSE: { message: 'JobCannon sent an answer the widget could not read.', action: 'Reload the page; if it keeps happening, contact JobCannon support.' },
  UNKNOWN_ERROR: {
    message: (d) => `Something unexpected went wrong${typeof d.status === 'number' && d.status > 0 ? ` (HTTP ${d.status})` : ''}.`,
    action: `Try again in a minute. ${SUPPORT}`,
  },

  // ---- the row ----
  title: 'HubSpot',
  statusPrefix: 'HubSpot status: ',
  pill: {
    connected: 'Connected',
    not_connected: 'Not connected',
    must_reconnect: 'Needs reconnect',
    syncing: 'Syncing',
    error: 'Error',
    loading: 'Checking…',
    unavailable: 'Unavailable',
  },
  portal: (portal) => `${portal.domain ?? 'HubSpot portal'} · Hub ID ${portal.id}`,
  connectedBy: (user) => `Connected${user ? ` by ${user}` : ''}`,
  intro: 'Sends completed assessments to matching HubSpot contacts.',
  heldUntilConnect: (held) => `${plural(held, 'held result is', 'held results are')} sent after you connect.`,
  lastSync: 'Last sync',
  neverSynced: 'Never synced',
  pending: 'Pending',
  held: 'Held',
  failed: 'Failed',
  connectedBanner: (portal) => `HubSpot connected${portal ? ` to ${portalName(portal)}` : ''}.`,
  connectFailed: {
    message: 'HubSpot could not be connected.',
    action: (_, c) => `Click ${c.button} to try again. If it keeps failing, contact JobCannon support.`,
  },
  requestFailed: {
    status: 'Could not load the HubSpot status.',
    connect: 'Could not start the switch to the other portal.',
    resync: 'Resync failed.',
    disconnect: 'Disconnect failed.',
    failures: 'Could not load failed results.',
    retry: 'Retry failed.',
  },
  propertiesMissing: (names) =>
    `${plural(names.length, 'JobCannon property is', 'JobCannon properties are')} missing in HubSpot: ${listNames(names)}. Someone may have deleted them.`,
  propertiesMissingAction: RESYNC,
  propertiesDrift: (drift) =>
    `${plural(drift.length, 'JobCannon property differs', 'JobCannon properties differ')} from what JobCannon expects: ${describeDrift(drift)}.`,
  propertiesDriftAction: 'Resync never overwrites existing properties: fix or delete them in HubSpot (Settings → Properties), then click Resync properties.',
  failedResults: (count) => `${plural(count, 'result', 'results')} could not be sent to HubSpot.`,
  failedResultsAction: (button) => `Click ${button} to see why and what to do.`,
  hubspotSaid: (text) => `HubSpot said: ${text}`,
  connect: 'Connect HubSpot',
  reconnect: 'Reconnect HubSpot',
  resync: 'Resync properties',
  viewFailed: (count) => `View ${count} failed`,
  disconnect: 'Disconnect',
  switchPortal: 'Switch to the other portal',
  dismiss: 'Dismiss',
  tryAgain: 'Try again',
  confirmDisconnect: (portal) =>
    `Disconnect HubSpot? JobCannon stops sending results to ${portal?.domain ?? 'HubSpot'}. Results completed meanwhile are held and sent after you connect again; nothing in HubSpot is deleted.`,
  confirmDisconnectButton: 'Yes, disconnect',
  cancel: 'Cancel',
  resyncing: 'Resyncing properties…',
  resynced: (report) => {
    const parts: string[] = [];
    if (report.groupCreated) parts.push('Created the JobCannon Assessments property group.');
    if (report.created.length > 0) parts.push(`Created ${plural(report.created.length, 'property', 'properties')}: ${listNames(report.created)}.`);
    if (parts.length === 0 && report.ok) {
      parts.push(`Everything was already in place${report.existing.length > 0 ? ` (${plural(report.existing.length, 'property', 'properties')} checked)` : ''}.`);
    }
    if (report.missing.length > 0) parts.push(`Still missing: ${listNames(report.missing)}.`);
    if (report.drift.length > 0) parts.push(`Different from what JobCannon expects: ${describeDrift(report.drift)}.`);
    return parts.join(' ');
  },
  retrying: 'Retrying…',
  // 0 means someone else already put those results back in the queue.
  retried: (count) => (count === 0 ? 'Nothing to retry: those results were already back in the queue.' : `Sent ${plural(count, 'result', 'results')} back to the queue.`),
  disconnecting: 'Disconnecting…',
  disconnected: 'HubSpot disconnected. New results are held until you connect again.',

  // ---- the failures drawer ----
  failuresTitle: 'Failed results',
  failuresLoading: 'Loading failed results…',
  failuresNone: 'No failed results.',
  failuresShowing: (shown, total) => `Showing ${shown} of ${total}.`,
  failuresLoadError: 'The list could not be loaded.',
  columns: { email: 'Email', invite: 'Invite', reason: 'Reason', attempts: 'Attempts', failed: 'Failed', action: 'Action' },
  retry: 'Retry',
  retryLabel: (email) => `Retry ${email}`,
  retryAll: 'Retry all',
  loadMore: 'Load more',
  close: 'Close',
  timeAgo: (date, now) => formatRelativeTime(date, now),
};
