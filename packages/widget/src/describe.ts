// Turns what the router sends (a status, a failure, an error code, the OAuth redirect's query)
// into sentences from a messages table. Which entry, which details and which button to name are
// decided here; the words themselves live in src/messages.ts (or the host's `messages`).
import { isKnownCode } from './error-codes.js';
import { defaultMessages, distinctNames, type CodeMessage, type MessageCode, type MessageContext, type MessageOverrides, type Messages, type MessageText } from './messages.js';
import type { ErrorDetails, FailureItem, Fix, IntegrationStatusReport, Problem, RequestName, ViewState, WidgetError } from './types.js';

/** The English table with the host's entries laid over it (unknown keys and `undefined` ignored). */
export function resolveMessages(overrides?: MessageOverrides | null): Messages {
  if (!overrides) return defaultMessages;
  const table: Record<string, unknown> = { ...defaultMessages };
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined && Object.hasOwn(defaultMessages, key)) table[key] = value;
  }
  return table as unknown as Messages;
}

/**
 * A code from outside (the URL, a server answer, a stored row from an older version) as one the
 * table words; anything else is UNKNOWN_ERROR, so text the widget did not write never shows.
 * `access_denied` is HubSpot's own name for a denial, as it can arrive straight from the consent page.
 */
export function toMessageCode(value: unknown): MessageCode {
  if (value === 'access_denied') return 'OAUTH_DENIED';
  return isKnownCode(value) ? value : 'UNKNOWN_ERROR';
}

/** The button that fixes each code, so the row can emphasise it. Behaviour, so not overridable. */
const FIXES: Partial<Record<MessageCode, Fix>> = {
  NOT_CONNECTED: 'connect',
  MUST_RECONNECT: 'reconnect',
  PORTAL_MISMATCH: 'reconnect',
  MISSING_SCOPES: 'reconnect',
  OAUTH_STATE_INVALID: 'connect',
  OAUTH_STATE_EXPIRED: 'connect',
  OAUTH_DENIED: 'connect',
  OAUTH_ORG_MISMATCH: 'connect',
  OAUTH_USER_MISMATCH: 'connect',
  OAUTH_BROWSER_MISMATCH: 'connect',
  OAUTH_EXCHANGE_FAILED: 'connect',
  // TOKEN_REFRESH_FAILED is transient (the kit renews by itself): no button to point at.
  DECRYPTION_FAILED: 'reconnect',
  HUBSPOT_UNAUTHORIZED: 'reconnect',
  HUBSPOT_FORBIDDEN: 'reconnect',
  PROPERTIES_MISSING: 'resync',
  BOOTSTRAP_FAILED: 'resync',
};

/**
 * HubSpot's own message, fit for a secondary line: cut at the first thing that looks like JSON or
 * markup (`Property values were not valid: [{"isValid":false,…}]` keeps its first words only),
 * control and invisible formatting characters dropped, whitespace collapsed, at most `max`
 * characters. React escapes the rest. Null when nothing readable is left.
 */
export function cleanHubSpotMessage(text: unknown, max = 160): string | null {
  if (typeof text !== 'string') return null;
  const cut = text.search(/[{[<]/);
  const flat = (cut === -1 ? text : text.slice(0, cut))
    .replace(/[\p{Cc}\p{Cf}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\s:;,(–-]+$/, '');
  if (!/[\p{L}\p{N}]/u.test(flat)) return null;
  return flat.length > max ? `${flat.slice(0, max - 1).trimEnd()}…` : flat;
}

export interface Sentence {
  message: string;
  action: string | null;
  /** "HubSpot said: …" (cleaned), or null. */
  hubspotSaid: string | null;
}

/** One code's sentence. `button` is the Connect/Reconnect label on screen. */
export function describeCode(messages: Messages, code: unknown, details: ErrorDetails | null | undefined, button: string): Sentence {
  return word(messages, messages[toMessageCode(code)], details ?? {}, button);
}

function word(messages: Messages, entry: CodeMessage, details: ErrorDetails, button: string): Sentence {
  // One level deep only: a RETRIES_EXHAUSTED whose last code is RETRIES_EXHAUSTED must not loop.
  const inner: MessageContext = { button, messageFor: () => '' };
  const context: MessageContext = { button, messageFor: (other) => render(messages[toMessageCode(other)].message, {}, inner) };
  const said = cleanHubSpotMessage(details.hubspotMessage);
  return {
    message: render(entry.message, details, context),
    action: entry.action === undefined ? null : render(entry.action, details, context) || null,
    hubspotSaid: said && messages.hubspotSaid(said),
  };
}

const render = (text: MessageText, details: ErrorDetails, context: MessageContext): string => (typeof text === 'function' ? text(details, context) : text);

const buttonFor = (messages: Messages, report: IntegrationStatusReport | null) =>
  report?.status === 'connected' || report?.status === 'must_reconnect' ? messages.reconnect : messages.connect;

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
  // The setup after a connect is work in progress, not a failure (its problems wait until it ends).
  if (report.setup?.state === 'running') return 'syncing';
  if (report.lastError || (report.bootstrap && !report.bootstrap.ok) || report.queue.failed > 0) return 'error';
  if (report.syncing || report.queue.pending > 0) return 'syncing';
  return 'connected';
}

/**
 * What the admin should know and do, most urgent first. Empty for a healthy or never-connected
 * row: a stale `lastError` from before a disconnect is not something to act on.
 */
export function describeProblems(report: IntegrationStatusReport, messages: Messages = defaultMessages): Problem[] {
  if (report.status !== 'connected' && report.status !== 'must_reconnect') return [];
  const button = buttonFor(messages, report);
  const manage = report.permissions?.manage === true;
  const settingUp = report.setup?.state === 'running';
  const problems: Problem[] = [];
  const add = (id: string, { message, action, hubspotSaid }: Sentence, fix: Fix | null, at: string | null = null) => {
    // A member has none of the buttons: advice naming one becomes "ask an admin to …".
    if (!manage && fix && fix !== 'failures') action = messages.askAdmin(fix);
    // The same fix said twice (a MUST_RECONNECT lastError on a must_reconnect row) is noise.
    if (!problems.some((p) => p.message === message)) problems.push({ id, message, action, hubspotSaid, fix, at });
  };
  if (report.status === 'must_reconnect') add('must_reconnect', describeCode(messages, 'MUST_RECONNECT', null, button), 'reconnect');
  const last = report.lastError;
  const code = last && toMessageCode(last.code);
  if (last && code && !(settingUp && FIXES[code] === 'resync')) add(`error:${code}`, describeCode(messages, code, last.details, button), FIXES[code] ?? null, last.at);
  const bootstrap = settingUp ? null : report.bootstrap;
  // One actionable error: a setup that failed already says "Resync properties".
  if (bootstrap && bootstrap.missing.length > 0 && !problems.some((p) => p.fix === 'resync')) {
    add('properties_missing', { message: messages.propertiesMissing(bootstrap.missing), action: messages.propertiesMissingAction, hubspotSaid: null }, 'resync');
  }
  // Only a change that makes HubSpot refuse values is a problem; a new label is information.
  const warnings = bootstrap?.drift.filter((d) => d.severity === 'warning') ?? [];
  if (warnings.length > 0) {
    add('properties_drift', { message: messages.propertiesDrift(warnings), action: messages.propertiesDriftAction, hubspotSaid: null }, null);
  }
  const failed = report.queue.failed;
  if (failed > 0) {
    add('failed', { message: messages.failedResults(failed), action: messages.failedResultsAction(messages.viewFailed(failed)), hubspotSaid: null }, 'failures');
  }
  return problems;
}

/** Properties only relabelled or re-described in HubSpot (drift `info`, no warning for the same property): a neutral note. */
export function relabelledProperties(report: IntegrationStatusReport): string[] {
  const drift = report.setup?.state === 'running' ? [] : (report.bootstrap?.drift ?? []);
  const warned = new Set(distinctNames(drift.filter((d) => d.severity === 'warning')));
  return distinctNames(drift).filter((name) => !warned.has(name));
}

/** One failed result in plain words, with the value and the fix. */
export function describeFailure(item: FailureItem, messages: Messages = defaultMessages): Sentence {
  const details: ErrorDetails = { ...item.details, email: item.details?.email ?? item.email };
  return describeCode(messages, item.code, details, messages.reconnect);
}

/** What the hook records about a failed request; worded at render time so a new table applies. */
export interface RequestFailure {
  request: RequestName;
  code: unknown;
  httpStatus: number;
}

/** A failed request in plain words. Unknown codes get a generic sentence, never the server's text. */
export function describeError(failure: RequestFailure, messages: Messages = defaultMessages, report: IntegrationStatusReport | null = null): WidgetError {
  const code = toMessageCode(failure.code);
  const { message, action } = describeCode(messages, code, { status: failure.httpStatus }, buttonFor(messages, report));
  return { request: failure.request, code, httpStatus: failure.httpStatus, message: action ? `${message} ${action}` : message };
}

export type OAuthRedirect =
  | { outcome: 'connected' }
  | { outcome: 'unchanged'; reason: MessageCode }
  | { outcome: 'error'; reason: MessageCode | 'unknown'; message: string; action: string | null };

/** The portal facts the router may add to the redirect: digits, or a host name for the `…Domain` ones. */
const PORTAL_FACTS = ['portalId', 'portalDomain', 'previousPortalId', 'previousPortalDomain', 'sharedWith'];

/**
 * The outcome the router's OAuth callback put in the URL (`?hubspot=connected|unchanged|error&reason=`).
 * Anyone can link here with any `reason`, so only a known code picks its sentence; anything else
 * gets a generic one and is never echoed (another site must not put its words on this page). The
 * portal facts (`portalId`, `portalDomain`, …) are used only when they are digits or a host name.
 * `button` is the label the admin will see ("Reconnect HubSpot" on a row that was connected).
 */
export function readOAuthRedirect(search: string, options: { messages?: Messages; button?: string } = {}): OAuthRedirect | null {
  const messages = options.messages ?? defaultMessages;
  const params = new URLSearchParams(search);
  const outcome = params.get('hubspot');
  if (outcome === 'connected') return { outcome };
  const code = toMessageCode(params.get('reason'));
  const known = code !== 'UNKNOWN_ERROR';
  if (outcome === 'unchanged' && known) return { outcome, reason: code };
  if (outcome !== 'error') return null;
  const facts: ErrorDetails = {};
  for (const name of PORTAL_FACTS) {
    const value = params.get(name);
    if (value && (name.endsWith('Domain') ? /^[a-z0-9.-]{1,253}$/ : /^\d{1,15}$/).test(value)) facts[name] = value;
  }
  const button = options.button ?? messages.connect;
  const { message, action } = word(messages, known ? messages[code] : messages.connectFailed, facts, button);
  return { outcome, reason: known ? code : 'unknown', message, action };
}

/** The redirect's query parameters, removed from the address bar once read. */
export const OAUTH_PARAMS = ['hubspot', 'reason', ...PORTAL_FACTS];
