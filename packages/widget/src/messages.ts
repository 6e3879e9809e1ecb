// Every word an admin reads, in one table: the row, the drawer and the headless hook take their
// text from here and nowhere else. Core sends codes and structured details only; the sentences
// are built here from those details. A host replaces any entry with the `messages` prop (a
// partial table, e.g. a translation); `src/describe.ts` picks the entries, this file only words.
import { formatRelativeTime } from './format-relative-time.js';
import type { BackfillStatus, BootstrapReport, ErrorDetails, Fix, HubSpotKitErrorCode, IntegrationStatusReport, PortalInfo, PropertyDrift, RequestName, SetupProgress, ViewState, WidgetErrorCode } from './types.js';

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
  /** Before connecting: what JobCannon writes in HubSpot. */
  writes: string;
  /** Before connecting: why each scope is asked for, by scope. */
  scopes: Record<string, string>;
  scopesTitle: string;
  /** A member's advice instead of a button they do not have. */
  askAdmin(fix: Fix): string;
  heldUntilConnect(held: number): string;
  contactsSynced: string;
  setupRunning(setup: SetupProgress): string;
  /** After a connect: what the setup created (or found in place). */
  setupDone(bootstrap: NonNullable<IntegrationStatusReport['bootstrap']>): string;
  /** A reused callback or a Deny while connected: nothing changed. */
  unchanged(portal: PortalInfo | null): string;
  sharedWith(count: number): string;
  /** The portal's error budget is spent: sending at half rate for now. */
  errorBudgetLowered: string;
  /** Label-only drift: information, nothing to fix. */
  propertiesRelabelled(names: readonly string[]): string;
  recentTitle(count: number): string;
  pushed: Record<'created' | 'updated', string>;
  viewInHubSpot: string;
  viewInHubSpotLabel(email: string): string;
  viewProperties: string;
  errorAt: string;
  syncNow: string;
  syncing: string;
  synced(pending: number): string;
  connectAnyway: string;
  backfillOffer(backfill: BackfillStatus): string;
  backfillSend: string;
  backfillLater: string;
  backfillRunning(backfill: BackfillStatus): string;
  backfillEta: string;
  backfillDone(backfill: BackfillStatus): string;
  backfillCancelled(backfill: BackfillStatus): string;
  backfillFailed(backfill: BackfillStatus): string;
  backfillResume: string;
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
  columns: Record<'email' | 'reason' | 'failed' | 'action', string>;
  retry: string;
  retryLabel(email: string): string;
  dismissFailure: string;
  dismissLabel(email: string): string;
  dismissing: string;
  dismissed(count: number): string;

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
    drift.map((d) => `${d.name} (its ${d.field} is ${quote(d.actual) || 'different'}; JobCannon needs ${quote(d.expected) || 'the original'})`),
    3,
  );

/** Property names, each once: a type change on one property is one property, however many fields moved. */
export const distinctNames = (drift: readonly PropertyDrift[]) => [...new Set(drift.map((d) => d.name))];

const portalName = (portal: PortalInfo) => portal.domain ?? `Hub ID ${portal.id}`;
/** A portal from the OAuth redirect's facts (`portalId`, `portalDomain`, or the `previous…` pair). */
const portalIn = (d: ErrorDetails, prefix: 'portal' | 'previousPortal') => {
  const domain = d[`${prefix}Domain`];
  const id = d[`${prefix}Id`];
  return typeof domain === 'string' ? domain : typeof id === 'string' || typeof id === 'number' ? `Hub ID ${id}` : null;
};
/** What a setup or resync created; '' when it created nothing and something is still missing. */
const created = (b: Pick<BootstrapReport, 'created' | 'groupCreated' | 'missing'>) =>
  b.created.length > 0 || b.groupCreated
    ? `Created ${b.groupCreated ? 'the JobCannon Assessments property group and ' : ''}${plural(b.created.length, 'property', 'properties')}${b.created.length > 0 && b.created.length < 17 ? `: ${listNames(b.created)}` : ''}.`
    : b.missing.length > 0
      ? ''
      : 'All 17 JobCannon properties were already in place.';
const count = (n: number) => n.toLocaleString('en');
const ofTotal = (b: BackfillStatus) => `${count(b.enqueued)}${b.total === null ? '' : ` of ${count(b.total)}`}`;

const RETRIES_ON_ITS_OWN = 'Nothing is lost: JobCannon tries again on its own.';
const SUPPORT = 'If it keeps happening, contact JobCannon support.';
const RELOAD = 'Reload the page and try again.';
const TRY_LATER = `Try again in a minute. ${SUPPORT}`;
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
  INVALID_OPTIONS: { message: 'JobCannon’s HubSpot setup has a configuration error.', action: 'Contact JobCannon support.' },
  BAD_REQUEST: { message: 'JobCannon could not understand the request.', action: RELOAD },
  METHOD_NOT_ALLOWED: { message: 'JobCannon refused the request as sent.', action: `${RELOAD} ${SUPPORT}` },
  PAYLOAD_TOO_LARGE: { message: 'The request was too large.', action: 'Retry fewer results at a time.' },
  NOT_FOUND: { message: 'JobCannon could not find the HubSpot integration.', action: `${RELOAD} ${SUPPORT}` },

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
    // Names both portals; never "is connected to": after a disconnect nothing is.
    message: (d) =>
      `You approved ${portalIn(d, 'portal') ?? 'another HubSpot account'}, but this organization's HubSpot account is ${portalIn(d, 'previousPortal') ?? 'a different one'}.`,
    action: (d, c) =>
      `Click ${c.button} and choose ${portalIn(d, 'previousPortal') ?? 'the original account'}, or click Switch to the other portal if ${portalIn(d, 'portal') ?? 'the new one'} is intended.`,
  },
  PORTAL_SHARED: {
    message: (d) => `${portalIn(d, 'portal') ?? 'That HubSpot account'} is already used by another JobCannon organization.`,
    action: 'Click Connect anyway if both should send results there (each writes only its own candidates), or choose another HubSpot account.',
  },
  PORTAL_IN_USE: {
    message: (d) => `${portalIn(d, 'portal') ?? 'That HubSpot account'} is already used by another JobCannon organization, and sharing one is turned off.`,
    action: (_, c) => `Click ${c.button} and choose another HubSpot account.`,
  },
  MISSING_SCOPES: {
    message: 'HubSpot did not grant all the access JobCannon needs (reading and writing contacts and contact properties).',
    action: (_, c) => `Click ${c.button} and approve every requested permission.`,
  },
  OAUTH_STATE_INVALID: {
    message: 'The HubSpot sign-in was already used, or was started in another tab or browser.',
    action: START_AGAIN,
  },
  OAUTH_STATE_EXPIRED: { message: 'The HubSpot sign-in took too long and expired.', action: START_AGAIN },
  OAUTH_DENIED: {
    message: 'HubSpot access was not approved.',
    action: (_, c) => `Click ${c.button} and approve the requested access. If your HubSpot uses an app allowlist, an admin must add JobCannon to it first.`,
  },
  OAUTH_ORG_MISMATCH: {
    message: 'This HubSpot connection was started for another organization, so it was not saved.',
    action: (_, c) => `Sign in to the organization you want to connect, as an admin, and click ${c.button} again.`,
  },
  OAUTH_USER_MISMATCH: {
    message: 'This HubSpot connection was started by another JobCannon user, so it was not saved.',
    action: (_, c) => `Sign in as yourself and click ${c.button} again.`,
  },
  OAUTH_BROWSER_MISMATCH: {
    message: 'The HubSpot approval finished in another browser than the one that started it, so it was not saved.',
    action: (_, c) => `Click ${c.button} in this browser and approve in the window that opens.`,
  },
  OAUTH_EXCHANGE_FAILED: {
    message: 'HubSpot approved the connection, but JobCannon could not complete it with HubSpot.',
    action: (_, c) => `Wait a minute, then click ${c.button} again.`,
  },
  // Transient: the kit renews by itself; a refused refresh is MUST_RECONNECT, with its own advice.
  TOKEN_REFRESH_FAILED: { message: 'JobCannon could not renew its access to HubSpot just now.', action: RETRIES_ON_ITS_OWN },
  ENCRYPTION_KEY_MISSING: { message: 'JobCannon’s encryption key for HubSpot access is not set up.', action: 'Contact JobCannon support.' },
  DECRYPTION_FAILED: {
    message: 'JobCannon could not read its stored HubSpot access (its encryption key changed).',
    action: (_, c) => `Click ${c.button} to store a fresh one. ${SUPPORT}`,
  },

  // ---- HubSpot's answers ----
  HUBSPOT_RATE_LIMITED: {
    message: 'HubSpot is limiting how fast JobCannon may send data, so syncing is behind.',
    action:
      'Nothing is lost: queued results are retried automatically. If it lasts more than 30 minutes, check which other apps share your HubSpot API limit.',
  },
  HUBSPOT_UNAVAILABLE: { message: 'HubSpot is having trouble right now (it answered with a server error).', action: RETRIES_ON_ITS_OWN },
  HUBSPOT_TIMEOUT: { message: 'HubSpot took too long to answer.', action: RETRIES_ON_ITS_OWN },
  HUBSPOT_UNREACHABLE: { message: 'JobCannon could not reach HubSpot.', action: RETRIES_ON_ITS_OWN },
  HUBSPOT_LOCKED: { message: 'HubSpot asked JobCannon to wait while it finishes earlier changes.', action: RETRIES_ON_ITS_OWN },
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
  HUBSPOT_NO_RESULT: { message: 'HubSpot answered without saying what happened to this contact.', action: RETRIES_ON_ITS_OWN },
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
  LEASE_LOST: { message: 'Another JobCannon worker took over sending this result.' },
  SHUTTING_DOWN: { message: 'JobCannon was restarting while it sent this result.', action: RETRIES_ON_ITS_OWN },

  // ---- webhooks ----
  WEBHOOK_SIGNATURE_INVALID: { message: 'A HubSpot notification could not be verified, so it was ignored.', action: SUPPORT },

  INTERNAL: { message: 'Something went wrong in JobCannon.', action: TRY_LATER },

  // ---- the widget's own ----
  NETWORK_ERROR: { message: 'Could not reach JobCannon.', action: 'Check your connection, then try again.' },
  BAD_RESPONSE: { message: 'JobCannon sent an answer the widget could not read.', action: `${RELOAD} ${SUPPORT}` },
  UNKNOWN_ERROR: {
    message: (d) => `Something unexpected went wrong${typeof d.status === 'number' && d.status > 0 ? ` (HTTP ${d.status})` : ''}.`,
    action: TRY_LATER,
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
  writes:
    'JobCannon creates one property group, "JobCannon Assessments", with 17 contact properties, and writes each candidate\u2019s results to the contact with their email (created if new). It never deletes anything.',
  scopesTitle: 'HubSpot asks you to approve:',
  scopes: {
    oauth: 'keep the connection working without asking you again',
    'crm.objects.contacts.read': 'find the contact that has the candidate\u2019s email',
    'crm.objects.contacts.write': 'write the results to that contact, or create it',
    'crm.schemas.contacts.read': 'check that the 17 JobCannon properties are in place',
    'crm.schemas.contacts.write': 'create the property group and the properties',
  },
  askAdmin: (fix) => `Ask an admin of your organization to ${fix === 'resync' ? 'resync the properties' : `${fix} HubSpot`}.`,
  heldUntilConnect: (held) => `${plural(held, 'held result is', 'held results are')} sent after you connect.`,
  contactsSynced: 'Contacts synced',
  setupRunning: (setup) => `Setting up HubSpot… (${setup.done} of ${setup.total} properties)`,
  setupDone: created,
  unchanged: (portal) => `Nothing changed: HubSpot is still connected${portal ? ` to ${portalName(portal)}` : ''}.`,
  sharedWith: (n) => `${plural(n, 'other JobCannon organization uses', 'other JobCannon organizations use')} this HubSpot account too; each writes only its own candidates, and disconnecting here leaves the others connected.`,
  errorBudgetLowered: 'HubSpot refused many requests today, so JobCannon sends at half speed until that settles.',
  propertiesRelabelled: (names) =>
    `${plural(names.length, 'JobCannon property has', 'JobCannon properties have')} a different label or description in HubSpot (${listNames(names)}). Nothing to fix: results are still sent.`,
  recentTitle: (n) => `Recent activity (${n})`,
  pushed: { created: 'created', updated: 'updated' },
  viewInHubSpot: 'View in HubSpot',
  // Starts with the visible text (WCAG 2.5.3, label in name), then says which contact.
  viewInHubSpotLabel: (email) => `View in HubSpot: ${email}`,
  viewProperties: 'JobCannon properties in HubSpot',
  errorAt: 'Last seen',
  syncNow: 'Sync now',
  syncing: 'Syncing…',
  synced: (pending) => (pending === 0 ? 'Nothing is waiting: everything is in HubSpot.' : `Sending ${plural(pending, 'waiting result', 'waiting results')} now.`),
  connectAnyway: 'Connect anyway',
  backfillOffer: (b) => `Send ${b.total === null ? 'your' : count(b.total)} past ${b.total === 1 ? 'result' : 'results'} to HubSpot?`,
  backfillSend: 'Send past results',
  backfillLater: 'Not now',
  backfillRunning: (b) => `Sending past results: ${ofTotal(b)} queued, ${count(b.pushed)} in HubSpot${b.failed > 0 ? `, ${count(b.failed)} failed` : ''}.`,
  backfillEta: 'Done',
  backfillDone: (b) => `Sent ${count(b.pushed)} past ${b.pushed === 1 ? 'result' : 'results'} to HubSpot${b.failed > 0 ? ` (${count(b.failed)} failed)` : ''}.`,
  backfillCancelled: (b) => `Sending past results was cancelled after ${ofTotal(b)}; those still go out.`,
  backfillFailed: (b) => `Sending past results stopped after ${ofTotal(b)} because of an error.`,
  backfillResume: 'Send the rest',
  lastSync: 'Last sync',
  neverSynced: 'Never synced',
  pending: 'Pending',
  held: 'Held',
  failed: 'Failed',
  connectedBanner: (portal) => `HubSpot connected${portal ? ` to ${portalName(portal)}` : ''}.`,
  connectFailed: {
    message: 'HubSpot could not be connected.',
    action: (_, c) => `Click ${c.button} to try again. ${SUPPORT}`,
  },
  requestFailed: {
    status: 'Could not load the HubSpot status.',
    connect: 'Could not start connecting to HubSpot.',
    resync: 'Resync failed.',
    disconnect: 'Disconnect failed.',
    failures: 'Could not load failed results.',
    retry: 'Retry failed.',
    dismiss: 'Dismiss failed.',
    sync: 'Sync now failed.',
    backfill: 'Sending past results failed.',
  },
  propertiesMissing: (names) =>
    `${plural(names.length, 'JobCannon property is', 'JobCannon properties are')} missing in HubSpot: ${listNames(names)}. Someone may have deleted them.`,
  propertiesMissingAction: RESYNC,
  propertiesDrift: (drift) =>
    `${plural(distinctNames(drift).length, 'JobCannon property was', 'JobCannon properties were')} changed in HubSpot, so some values are refused: ${describeDrift(drift)}.`,
  propertiesDriftAction: 'Change them back in HubSpot (Settings → Properties) as shown; Resync never overwrites an existing property.',
  failedResults: (count) => `${plural(count, 'result', 'results')} could not be sent to HubSpot.`,
  failedResultsAction: (button) => `Click ${button} to see why.`,
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
    `Disconnect HubSpot? JobCannon stops sending results to ${portal?.domain ?? 'HubSpot'}; new results are held until you connect again. Nothing in HubSpot is deleted.`,
  confirmDisconnectButton: 'Yes, disconnect',
  cancel: 'Cancel',
  resyncing: 'Resyncing properties…',
  // What changed only: a drifted property is the banner's to explain.
  resynced: (report) => [created(report), report.missing.length > 0 && `Still missing: ${listNames(report.missing)}.`].filter(Boolean).join(' '),
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
  columns: { email: 'Candidate', reason: 'Reason', failed: 'Failed', action: 'Action' },
  retry: 'Retry',
  retryLabel: (email) => `Retry ${email}`,
  dismissFailure: 'Dismiss',
  dismissLabel: (email) => `Dismiss ${email}`,
  dismissing: 'Dismissing…',
  dismissed: (n) => `Took ${plural(n, 'result', 'results')} off the list.`,

  retryAll: 'Retry all',
  loadMore: 'Load more',
  close: 'Close',
  timeAgo: (date, now) => formatRelativeTime(date, now),
};
