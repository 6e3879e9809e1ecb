// Expected-versus-actual comparison for the chaos run, and the error-budget arithmetic. Pure
// functions over plain data, so each counter can be proven on hand-made cases (verify.test.ts)
// before it is trusted to say a 20,000-invite run was clean.
import { ERROR_CODES, PROPERTY_NAMES, mapInviteToProperties, normalizeEmail, type AssessmentInvite, type CarriedTest } from '@jobcannon/hubspot-core';

/** Every field compared per contact: the identity plus all 17 `jc_*` properties. */
export const COMPARED_FIELDS: readonly string[] = ['email', ...PROPERTY_NAMES];

export type FieldValues = Record<string, string>;

/** The properties that describe the candidate's most recent invite (always sent by a push). */
const STATUS_FIELDS = ['jc_test_status', 'jc_result_url', 'jc_completed_at', 'jc_invitation_id'] as const;

/** One snapshot the host handed to the kit (committed enqueue, or yielded by the sweep source). */
export interface OfferedSnapshot {
  invite: AssessmentInvite;
  /** Order in which the kit received it; breaks ties between equally old snapshots of one kind. */
  seq: number;
}

export interface ExpectedEntry {
  orgId: string;
  hubId: number;
  /** Normalised. */
  email: string;
  /**
   * `contact`: HubSpot must show `fields`; `failed`: HubSpot must refuse the email (or the kit
   * refused every snapshot) and the kit list the candidate as failed with a code and details.
   */
  outcome: 'contact' | 'failed';
  /** What HubSpot must hold (email + 17 jc_*, "" where nothing is sent); empty for `failed`. */
  fields: FieldValues;
  /** Whether the winner is a completed snapshot. */
  completed: boolean;
  /** What each losing snapshot's own push sends (status + its finished tests). */
  losers: FieldValues[];
  /** Invites the kit refuses (invalid values): each must be listed as a failure of its own, the valid state untouched. */
  refusedInvites: string[];
}

export interface ActualContact {
  hubId: number;
  /** As HubSpot stores it (not normalised here: a mixed-case email is itself a finding). */
  email: string;
  /** Properties as HubSpot returns them; empty values are omitted, which reads as "". */
  properties: Record<string, string>;
}

/** One entry of `failures()`, reduced to what the comparison needs. */
export interface FailureRecord {
  orgId: string;
  email: string;
  inviteId: string;
  code: string;
  details: unknown;
}

export type IssueKind = 'lost' | 'wrong' | 'stale-overwrite' | 'duplicate' | 'unexpected' | 'unexpected-failed' | 'failed-transient';

export interface Issue {
  kind: IssueKind;
  orgId: string | null;
  hubId: number;
  email: string;
  /** Fields that differ: [field, expected, actual]. */
  diffs?: Array<[string, string, string]>;
  detail?: string;
}

export interface VerifyCounts {
  expected: number;
  expectedContacts: number;
  /** Failures that must be listed: candidates HubSpot must refuse (the invalid emails) plus snapshots the kit refuses. */
  expectedFailed: number;
  /** Contacts HubSpot holds across the portals. */
  contacts: number;
  matched: number;
  /** Expected (as a contact or as a failure) but absent from HubSpot and not listed as failed with a code and details. */
  lost: number;
  /** Present, but a field differs from what the rules say and no older or partial snapshot explains it. */
  wrong: number;
  /** Present showing an older or partial snapshot's values where a newer or completed one was expected. */
  staleOverwrite: number;
  /** Emails with more than one contact in one portal. */
  duplicate: number;
  /** Contacts no candidate explains (e.g. an invalid email HubSpot should have refused, a cross-portal write). */
  unexpected: number;
  /** Entries listed as failed with a code from ERROR_CODES and details. */
  failedWithReason: number;
  /** Valid candidates the kit gave up on (listed as failed although HubSpot would accept them). */
  unexpectedFailed: number;
  /** Entries listed as failed under a retryable code (a transient cause must be retried, not failed). */
  failedTransient: number;
}

export interface Verdict {
  counts: VerifyCounts;
  /** The first issues found, for the report (all of them are counted). */
  issues: Issue[];
}

/**
 * Whether `incoming` takes the candidate's status from `current` (score-mapping.md, "Which snapshot
 * wins"): the same invite: a completed snapshot beats a partial one, otherwise the newer
 * `updatedAt` wins; different invites: the newer `updatedAt` wins (a partial of a newer invite
 * too). Equal times: the later arrival (re-sending the same invite pushes it again).
 */
export function takesOver(current: AssessmentInvite, incoming: AssessmentInvite): boolean {
  if (current.id === incoming.id) {
    const currentKind = snapshotKind(current);
    const incomingKind = snapshotKind(incoming);
    if (currentKind !== incomingKind) return incomingKind === 'completed';
  }
  return Date.parse(incoming.updatedAt) >= Date.parse(current.updatedAt);
}

/** The winner: the offered snapshots folded in arrival order with `takesOver`. */
export function winningSnapshot(offered: readonly OfferedSnapshot[]): OfferedSnapshot | undefined {
  let best: OfferedSnapshot | undefined;
  for (const candidate of [...offered].sort((a, b) => a.seq - b.seq)) if (!best || takesOver(best.invite, candidate.invite)) best = candidate;
  return best;
}

export function snapshotKind(invite: AssessmentInvite): 'completed' | 'partial' {
  return invite.status === 'completed' ? 'completed' : 'partial';
}

/** Whether the kit accepts the snapshot at all (core's own mapping refuses out-of-range values and the like). */
export function isValidSnapshot(invite: AssessmentInvite, resultUrlBase: string): boolean {
  try {
    mapInviteToProperties(invite, { resultUrlBase });
    return true;
  } catch {
    return false;
  }
}

/** One finished test of one offered snapshot. */
interface FinishedTest {
  slug: CarriedTest['slug'];
  completedAt: number;
  seq: number;
  carried: CarriedTest;
}

function finishedTestsOf(offer: OfferedSnapshot): FinishedTest[] {
  const fallback = offer.invite.completedAt ?? offer.invite.updatedAt;
  return offer.invite.tests
    .filter((test) => test.status === 'completed' && test.result)
    .map((test) => {
      const completedAt = test.completedAt ?? fallback;
      const at = completedAt === null ? Number.NaN : Date.parse(completedAt);
      return { slug: test.slug, completedAt: Number.isNaN(at) ? 0 : at, seq: offer.seq, carried: { slug: test.slug, completedAt, result: { ...test.result!, dimensions: test.result!.dimensions ?? [] }, inviteId: offer.invite.id } };
    });
}

/**
 * What HubSpot must show after every offered snapshot was pushed (`latest-per-test`): the email,
 * the four status properties of the winner, the winner's own finished tests, and for every other
 * test the result with the latest completion among the offered snapshots that finished it (a later
 * arrival wins a tie). Tests nobody finished are never sent: "" (the emulator omits empty values).
 */
export function expectedFields(winner: AssessmentInvite, resultUrlBase: string, others: readonly OfferedSnapshot[] = []): FieldValues {
  const own = new Set(winner.tests.filter((test) => test.status === 'completed' && test.result).map((test) => test.slug));
  const latest = new Map<string, FinishedTest>();
  for (const offer of others) {
    for (const test of finishedTestsOf(offer)) {
      if (own.has(test.slug)) continue;
      const current = latest.get(test.slug);
      if (!current || test.completedAt > current.completedAt || (test.completedAt === current.completedAt && test.seq > current.seq)) latest.set(test.slug, test);
    }
  }
  const carriedTests = [...latest.values()].map((test) => test.carried);
  const mapped: Record<string, string> = { ...mapInviteToProperties(winner, { resultUrlBase, carriedTests }) };
  const fields: FieldValues = { email: normalizeEmail(winner.email) };
  for (const name of PROPERTY_NAMES) fields[name] = mapped[name] ?? '';
  return fields;
}

/** What one snapshot's own push sends (status + its finished tests), the test fields it does not send left out. */
export function ownFields(invite: AssessmentInvite, resultUrlBase: string): FieldValues {
  return { email: normalizeEmail(invite.email), ...mapInviteToProperties(invite, { resultUrlBase }) };
}

/** Builds a candidate's expected entry from everything the host offered for it. */
export function expectedEntry(input: {
  orgId: string;
  hubId: number;
  email: string;
  offered: readonly OfferedSnapshot[];
  /** The candidate's email is one HubSpot refuses. */
  invalid: boolean;
  resultUrlBase: string;
}): ExpectedEntry | null {
  if (input.offered.length === 0) return null;
  const email = normalizeEmail(input.email);
  // Snapshots the kit refuses are kept apart (listed as failures of their own) and take no part in the merge.
  const valid = input.offered.filter((offer) => isValidSnapshot(offer.invite, input.resultUrlBase));
  const refusedInvites = [...new Set(input.offered.filter((offer) => !valid.includes(offer)).map((offer) => offer.invite.id))];
  const winner = winningSnapshot(valid);
  if (!winner || input.invalid) {
    return { orgId: input.orgId, hubId: input.hubId, email, outcome: 'failed', fields: {}, completed: winner ? snapshotKind(winner.invite) === 'completed' : false, losers: [], refusedInvites };
  }
  const others = valid.filter((offer) => offer !== winner);
  return {
    orgId: input.orgId,
    hubId: input.hubId,
    email,
    outcome: 'contact',
    fields: expectedFields(winner.invite, input.resultUrlBase, others),
    completed: snapshotKind(winner.invite) === 'completed',
    losers: others.map((offer) => ownFields(offer.invite, input.resultUrlBase)),
    refusedInvites,
  };
}

/** HubSpot omits empty properties; the contact's stored email is its identity. */
export function actualFields(contact: ActualContact): FieldValues {
  const fields: FieldValues = {};
  for (const field of COMPARED_FIELDS) fields[field] = field === 'email' ? contact.email : (contact.properties[field] ?? '');
  return fields;
}

export function diffFields(expected: FieldValues, actual: FieldValues): Array<[string, string, string]> {
  const diffs: Array<[string, string, string]> = [];
  for (const field of COMPARED_FIELDS) {
    const want = expected[field] ?? '';
    const got = actual[field] ?? '';
    if (want !== got) diffs.push([field, want, got]);
  }
  return diffs;
}

/** A failure the admin can act on: a code from the kit's vocabulary and structured details. */
export function isReasoned(failure: FailureRecord): boolean {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, failure.code) && typeof failure.details === 'object' && failure.details !== null && Object.keys(failure.details).length > 0;
}

/** Listed as failed under a code a later attempt could cure: a transient cause must never fail a row. */
export function isTransientFailure(failure: FailureRecord): boolean {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, failure.code) && ERROR_CODES[failure.code as keyof typeof ERROR_CODES].retryable;
}

/**
 * A differing contact counts as a stale overwrite (rather than merely wrong) when every difference
 * is what an older or partial snapshot said: the value a losing snapshot's push sends, a status
 * that is not `completed` where completed was expected, or an older `jc_completed_at`.
 */
export function isStale(entry: ExpectedEntry, actual: FieldValues): boolean {
  const diffs = diffFields(entry.fields, actual);
  if (diffs.length === 0) return false;
  // The status a losing snapshot wrote is showing: the winner's push never landed (or was overwritten),
  // so the values only the winner would have sent are missing too.
  const showsLoserStatus = entry.losers.some((loser) => STATUS_FIELDS.every((field) => loser[field] === actual[field]));
  return diffs.every(([field, want, got]) => {
    if (got === '' && showsLoserStatus) return true;
    if (field === 'email') return false;
    if (field === 'jc_test_status' && entry.completed && got !== 'completed') return true;
    if (field === 'jc_completed_at') {
      const wantAt = Date.parse(want);
      const gotAt = Date.parse(got);
      if (Number.isFinite(wantAt) && (got === '' || (Number.isFinite(gotAt) && gotAt < wantAt))) return true;
    }
    return entry.losers.some((loser) => field in loser && loser[field] === got);
  });
}

const key = (hubId: number, email: string) => `${hubId}\u0000${email}`;
const orgKey = (orgId: string, email: string) => `${orgId}\u0000${email}`;

export function verify(input: { expected: readonly ExpectedEntry[]; contacts: readonly ActualContact[]; failures: readonly FailureRecord[]; maxIssues?: number }): Verdict {
  const maxIssues = input.maxIssues ?? 50;
  const issues: Issue[] = [];
  const note = (issue: Issue) => {
    if (issues.length < maxIssues) issues.push(issue);
  };
  const counts: VerifyCounts = {
    expected: input.expected.length,
    expectedContacts: input.expected.filter((entry) => entry.outcome === 'contact').length,
    expectedFailed: input.expected.reduce((sum, entry) => sum + (entry.outcome === 'failed' ? Math.max(1, entry.refusedInvites.length) : entry.refusedInvites.length), 0),
    contacts: input.contacts.length,
    matched: 0,
    lost: 0,
    wrong: 0,
    staleOverwrite: 0,
    duplicate: 0,
    unexpected: 0,
    failedWithReason: 0,
    unexpectedFailed: 0,
    failedTransient: 0,
  };

  // Contacts by portal and normalised email: more than one under a key is a duplicate.
  const contactsByKey = new Map<string, ActualContact[]>();
  for (const contact of input.contacts) {
    const bucket = contactsByKey.get(key(contact.hubId, normalizeEmail(contact.email)));
    if (bucket) bucket.push(contact);
    else contactsByKey.set(key(contact.hubId, normalizeEmail(contact.email)), [contact]);
  }
  for (const [where, bucket] of contactsByKey) {
    if (bucket.length < 2) continue;
    counts.duplicate += 1;
    note({ kind: 'duplicate', orgId: null, hubId: bucket[0]!.hubId, email: where.split('\u0000')[1] ?? '', detail: `${bucket.length} contacts` });
  }

  const failuresByKey = new Map<string, FailureRecord[]>();
  for (const failure of input.failures) {
    if (isReasoned(failure)) counts.failedWithReason += 1;
    if (isTransientFailure(failure)) {
      counts.failedTransient += 1;
      note({ kind: 'failed-transient', orgId: failure.orgId, hubId: 0, email: normalizeEmail(failure.email), detail: `${failure.inviteId} ${failure.code}: ${JSON.stringify(failure.details)}` });
    }
    const bucket = failuresByKey.get(orgKey(failure.orgId, normalizeEmail(failure.email)));
    if (bucket) bucket.push(failure);
    else failuresByKey.set(orgKey(failure.orgId, normalizeEmail(failure.email)), [failure]);
  }

  const explained = new Set<string>();
  for (const entry of input.expected) {
    const found = contactsByKey.get(key(entry.hubId, entry.email)) ?? [];
    const listed = failuresByKey.get(orgKey(entry.orgId, entry.email)) ?? [];
    // Every snapshot the kit refused must be listed on its own, with its reason.
    const missingRefused = entry.refusedInvites.filter((inviteId) => !listed.some((failure) => failure.inviteId === inviteId && isReasoned(failure)));
    counts.lost += missingRefused.length;
    for (const inviteId of missingRefused) note({ kind: 'lost', orgId: entry.orgId, hubId: entry.hubId, email: entry.email, detail: `refused invite ${inviteId} not listed as failed with a code and details` });
    if (entry.outcome === 'failed') {
      // A refused email must not be in HubSpot; if it is, it is a contact no rule explains.
      if (entry.refusedInvites.length > 0) {
        if (missingRefused.length === 0) counts.matched += 1;
      } else if (!listed.some(isReasoned)) {
        counts.lost += 1;
        note({ kind: 'lost', orgId: entry.orgId, hubId: entry.hubId, email: entry.email, detail: listed.length > 0 ? 'listed as failed without a code and details' : 'not listed as failed' });
      } else counts.matched += 1;
      continue;
    }
    explained.add(key(entry.hubId, entry.email));
    const unexpectedFailures = listed.filter((failure) => !entry.refusedInvites.includes(failure.inviteId));
    if (unexpectedFailures.length > 0) {
      counts.unexpectedFailed += 1;
      const first = unexpectedFailures[0]!;
      note({ kind: 'unexpected-failed', orgId: entry.orgId, hubId: entry.hubId, email: entry.email, detail: `${first.inviteId} ${first.code}: ${JSON.stringify(first.details)}` });
    }
    if (found.length === 0) {
      if (!unexpectedFailures.some(isReasoned)) {
        counts.lost += 1;
        note({ kind: 'lost', orgId: entry.orgId, hubId: entry.hubId, email: entry.email });
      }
      continue;
    }
    // With duplicates, judge the worst of them: any copy that is off is a finding.
    let verdict: 'ok' | 'stale' | 'wrong' = 'ok';
    let shown: Array<[string, string, string]> = [];
    for (const contact of found) {
      const actual = actualFields(contact);
      const diffs = diffFields(entry.fields, actual);
      if (diffs.length === 0) continue;
      const stale = isStale(entry, actual);
      if (verdict === 'ok' || (verdict === 'stale' && !stale)) {
        verdict = stale ? 'stale' : 'wrong';
        shown = diffs;
      }
    }
    if (verdict === 'ok') {
      if (missingRefused.length === 0) counts.matched += 1;
    } else if (verdict === 'stale') {
      counts.staleOverwrite += 1;
      note({ kind: 'stale-overwrite', orgId: entry.orgId, hubId: entry.hubId, email: entry.email, diffs: shown });
    } else {
      counts.wrong += 1;
      note({ kind: 'wrong', orgId: entry.orgId, hubId: entry.hubId, email: entry.email, diffs: shown });
    }
  }

  for (const [where, bucket] of contactsByKey) {
    if (explained.has(where)) continue;
    counts.unexpected += bucket.length;
    note({ kind: 'unexpected', orgId: null, hubId: bucket[0]!.hubId, email: where.split('\u0000')[1] ?? '', detail: `${bucket.length} contact(s) no candidate explains` });
  }
  return { counts, issues };
}

// ---- error budget ---------------------------------------------------------------------------------

/** One emulated API request as the run saw it in the emulator's request log. */
export interface LoggedRequest {
  route: string;
  /** 0 = no response (injected timeout or reset). */
  status: number;
  hubId?: number;
  /** Set when an injected fault answered it. */
  fault?: string;
  /** When the response was sent (or the request given up on), emulator clock, epoch ms. */
  at: number;
  /** When the request arrived (at - its duration); defaults to `at`. */
  sentAt?: number;
  /** For upserts: the batch held an email HubSpot refuses. */
  invalidEmailInBody?: boolean;
}

/**
 * Why a request failed.
 * - injected-fault: the emulator's fault rule answered it (429/5xx/423/reset/timeout).
 * - token-revoked: a 401 after the run expired every token or uninstalled the app.
 * - refresh-refused: the token endpoint's 400 after the uninstall.
 * - property-deleted: an upsert 400 on the portal whose property the run deleted, before it came back,
 *   for a request sent before HubSpot's first such refusal: nobody could have known yet.
 * - property-deleted-resent: the same 400 for a request sent after that first refusal: the kit had
 *   been told and sent doomed batches anyway (our own error).
 * - validation: an upsert 400 for a batch holding an invalid email (our data; HubSpot counts it).
 * - rate-limited: a 429 the emulator's limiter gave, not a fault: we over-sent.
 * - conflict: a 409 (e.g. two processes re-creating the same property at once).
 * - other: anything else.
 */
export type ErrorCause =
  | 'injected-fault'
  | 'token-revoked'
  | 'refresh-refused'
  | 'property-deleted'
  | 'property-deleted-resent'
  | 'validation'
  | 'rate-limited'
  | 'conflict'
  | 'other';

export const ERROR_CAUSES: readonly ErrorCause[] = [
  'injected-fault',
  'token-revoked',
  'refresh-refused',
  'property-deleted',
  'property-deleted-resent',
  'validation',
  'rate-limited',
  'conflict',
  'other',
];

/** Causes the run itself provoked on HubSpot's side (a customer or HubSpot would cause them in production). */
export const DISRUPTION_CAUSES: readonly ErrorCause[] = ['token-revoked', 'refresh-refused', 'property-deleted'];

/** HubSpot's marketplace rule: error responses under 5 % of calls. */
export const ERROR_BUDGET = 0.05;

export interface PropertyDeletionWindow {
  hubId: number;
  from: number;
  /** When the property was seen active again (or the end of the run). */
  to: number;
  /** HubSpot's first PROPERTY_DOESNT_EXIST refusal in the window (summarizeErrors fills it in). */
  firstRefusalAt?: number;
}

const inWindow = (request: LoggedRequest, window: PropertyDeletionWindow) => window.hubId === request.hubId && request.at >= window.from && request.at <= window.to;
const isDeletionRefusal = (request: LoggedRequest) => request.route === 'contacts.batchUpsert' && request.status === 400 && request.fault === undefined && !request.invalidEmailInBody;

/** Each window with the time of the first refusal in it: requests sent after that were sent knowingly. */
export function withFirstRefusal(requests: readonly LoggedRequest[], windows: readonly PropertyDeletionWindow[]): PropertyDeletionWindow[] {
  return windows.map((window) => {
    let first: number | undefined;
    for (const request of requests) if (isDeletionRefusal(request) && inWindow(request, window) && (first === undefined || request.at < first)) first = request.at;
    return first === undefined ? { ...window } : { ...window, firstRefusalAt: first };
  });
}

export function classifyRequest(request: LoggedRequest, windows: readonly PropertyDeletionWindow[] = []): ErrorCause | null {
  if (request.status !== 0 && request.status < 400) return null;
  if (request.fault !== undefined) return 'injected-fault';
  if (request.status === 401) return 'token-revoked';
  if (request.route.startsWith('oauth.') && request.status === 400) return 'refresh-refused';
  if (request.status === 429) return 'rate-limited';
  if (request.status === 409) return 'conflict';
  if (request.route === 'contacts.batchUpsert' && request.status === 400) {
    if (request.invalidEmailInBody) return 'validation';
    const window = windows.find((candidate) => inWindow(request, candidate));
    if (window) return window.firstRefusalAt !== undefined && (request.sentAt ?? request.at) > window.firstRefusalAt ? 'property-deleted-resent' : 'property-deleted';
  }
  return 'other';
}

export interface ErrorSummary {
  requests: number;
  errors: number;
  byCause: Record<ErrorCause, number>;
  /** All errors / requests. */
  errorRatio: number;
  /** Errors not answered by an injected fault. */
  nonFaultErrors: number;
  nonFaultRatio: number;
  /** Errors that are the kit's own doing (neither injected nor provoked by a disruption): what the 5 % budget is about. */
  ownErrors: number;
  ownRatio: number;
  budget: number;
  withinBudget: boolean;
}

export function summarizeErrors(requests: readonly LoggedRequest[], windows: readonly PropertyDeletionWindow[] = []): ErrorSummary {
  const byCause = Object.fromEntries(ERROR_CAUSES.map((cause) => [cause, 0])) as Record<ErrorCause, number>;
  let errors = 0;
  const known = withFirstRefusal(requests, windows);
  for (const request of requests) {
    const cause = classifyRequest(request, known);
    if (cause === null) continue;
    errors += 1;
    byCause[cause] += 1;
  }
  const ratio = (count: number) => (requests.length === 0 ? 0 : count / requests.length);
  const nonFaultErrors = errors - byCause['injected-fault'];
  const ownErrors = nonFaultErrors - DISRUPTION_CAUSES.reduce((sum, cause) => sum + byCause[cause], 0);
  return {
    requests: requests.length,
    errors,
    byCause,
    errorRatio: ratio(errors),
    nonFaultErrors,
    nonFaultRatio: ratio(nonFaultErrors),
    ownErrors,
    ownRatio: ratio(ownErrors),
    budget: ERROR_BUDGET,
    withinBudget: ratio(ownErrors) <= ERROR_BUDGET,
  };
}
