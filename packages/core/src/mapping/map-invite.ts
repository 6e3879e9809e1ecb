import { z } from 'zod';
import { HubSpotKitError } from '../errors.js';
import {
  conformsToInviteSchema,
  invalidInviteError,
  parseAssessmentInvite,
  type AssessmentInvite,
  type AssignedTest,
  type InviteStatus,
  type ResultEnvelope,
} from './assessment-invite.js';
import { PROPERTY_NAMES, type JcPropertyName } from './property-definitions.js';

/** The four properties that describe the candidate's most recent invite: always sent. */
export type StatusPropertyName = 'jc_test_status' | 'jc_result_url' | 'jc_completed_at' | 'jc_invitation_id';

/**
 * What one push writes: the four status properties always, test properties only where the policy
 * says so (`latest-per-test`: the tests this push has results for; `replace`: all 17).
 */
export type ContactProperties = Record<StatusPropertyName, string> &
  Partial<Record<Exclude<JcPropertyName, StatusPropertyName>, string>> &
  Partial<Record<'firstname' | 'lastname', string>>;

/**
 * How a push treats tests it has no result for (score-mapping.md, "Rules").
 * - `latest-per-test` (default): not sent, so HubSpot keeps what an earlier invite wrote; the
 *   Contact shows each test's most recent finished result.
 * - `replace`: sent as `""` (HubSpot clears them); the Contact shows exactly one invite's state.
 */
export type MergePolicy = 'latest-per-test' | 'replace';
export const MERGE_POLICIES: readonly MergePolicy[] = ['latest-per-test', 'replace'];

/**
 * Every property empty: the `replace` template. Deliberately not frozen: V8 copies a frozen
 * object's properties five times slower, and this module never hands the template out.
 */
const EMPTY_PROPERTIES: Readonly<Record<JcPropertyName, string>> = Object.fromEntries(PROPERTY_NAMES.map((name) => [name, ''])) as Record<JcPropertyName, string>;

/** A finished test of an earlier invite of the same candidate that HubSpot has not received yet. */
export interface CarriedTest {
  slug: AssignedTest['slug'];
  completedAt: string | null;
  result: ResultEnvelope;
  inviteId: string;
}

export interface MapInviteOptions {
  /** JobCannon dashboard origin, e.g. `https://app.jobcannon.io`; the result URL hangs off it. */
  resultUrlBase: string;
  /** Default `latest-per-test`. */
  mergePolicy?: MergePolicy;
  /**
   * Finished tests of earlier invites queued before this one was pushed (`latest-per-test` only):
   * written where this invite has no finished result of the same test, never counted in its status.
   */
  carriedTests?: readonly CarriedTest[];
  /**
   * Also send HubSpot's own `firstname` / `lastname` when the invite has them (off by default: a
   * portal's owners may manage names elsewhere, and the kit never clears them).
   */
  contactNames?: boolean;
}

/** The identity HubSpot matches on: trimmed and lower-cased (HubSpot's match is exact). */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * A result envelope as the host wrote it: an invite that passes the hand check is mapped as it came,
 * so `dimensions` may be absent (read as [], the schema's default).
 */
type EnvelopeInput = NonNullable<AssessmentInvite['tests'][number]['result']>;

/*
 * Each value's schema is its one definition and words its error; the hot path tests the same
 * pattern or bounds first and only asks zod about a value that fails them.
 */
const emailSchema = z.email();
const EMAIL_PATTERN: RegExp = emailSchema._zod.def.pattern ?? /(?!)/;
const percentScore = z.number().min(0).max(100);
const iqScore = z.number().min(50).max(160);
const MBTI_PATTERN = /^[EI][SN][TF][JP]$/;
const mbtiCode = z.string().regex(MBTI_PATTERN, 'is not an MBTI type ([EI][SN][TF][JP], e.g. INTJ)');
const RIASEC_PATTERN = /^[RIASEC]{3}$/;
const riasecCode = z
  .string()
  .regex(RIASEC_PATTERN, 'is not a Holland code (three of R, I, A, S, E, C, e.g. IAS)')
  .refine((code) => new Set(code).size === 3, 'repeats a letter (a Holland code has three distinct letters)');

type NumericField = Exclude<JcPropertyName, 'jc_mbti_type' | 'jc_riasec_holland' | 'jc_test_status' | 'jc_result_url' | 'jc_completed_at' | 'jc_invitation_id'>;

/** Which dimension of which test feeds each numeric property (names matched case-insensitively). */
const DIMENSION_FIELDS: Readonly<Record<'disc' | 'big-five', ReadonlyArray<readonly [NumericField, string]>>> = {
  disc: [
    ['jc_disc_d', 'Dominance'],
    ['jc_disc_i', 'Influence'],
    ['jc_disc_s', 'Steadiness'],
    ['jc_disc_c', 'Conscientiousness'],
  ],
  'big-five': [
    ['jc_bigfive_o', 'Openness'],
    ['jc_bigfive_c', 'Conscientiousness'],
    ['jc_bigfive_e', 'Extraversion'],
    ['jc_bigfive_a', 'Agreeableness'],
  ],
};

/**
 * HubSpot values are strings on the wire; numbers carry at most two decimals: the value rounded to
 * hundredths, printed as `String` prints it. Up to 10,000 (every score is far below) the digits are
 * put together from the whole hundredths, which prints the same (map-invite.test.ts checks every
 * one) without the cost of printing a fraction; the rest goes through `String` itself.
 * Exported for that test only.
 */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const hundredths = Math.round(value * 100);
  if (hundredths > 0 && hundredths <= 1_000_000) {
    const rest = hundredths % 100;
    const whole = (hundredths - rest) / 100;
    if (rest === 0) return String(whole);
    if (rest % 10 === 0) return `${whole}.${rest / 10}`;
    return rest < 10 ? `${whole}.0${rest}` : `${whole}.${rest}`;
  }
  const rounded = hundredths / 100;
  return String(Object.is(rounded, -0) ? 0 : rounded);
}

function checkedValue<T>(inviteId: string, field: string, schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const problem =
    issue.code === 'too_big' || issue.code === 'too_small'
      ? `is out of range (${describeRange(schema)})`
      : issue.code === 'invalid_type'
        ? value === undefined || value === null
          ? 'is missing'
          : `must be a ${issue.expected}`
        : issue.message;
  throw invalidInviteError(inviteId, field, value, problem);
}

/** A score's bounds, read from its schema once (zod's `minValue` getter walks the checks). */
interface ScoreBounds {
  schema: z.ZodNumber;
  min: number;
  max: number;
}
function boundsOf(schema: z.ZodNumber): ScoreBounds {
  return { schema, min: schema.minValue ?? -Infinity, max: schema.maxValue ?? Infinity };
}
const PERCENT = boundsOf(percentScore);
const IQ = boundsOf(iqScore);

/**
 * Scores are the hot path (a dozen per invite): test the schema's own bounds and only ask zod when a
 * value falls outside them, so the schema stays the one definition and the error its words.
 */
function checkedScore(inviteId: string, field: string, bounds: ScoreBounds, value: unknown): string {
  if (typeof value === 'number' && value >= bounds.min && value <= bounds.max) return formatNumber(value);
  return formatNumber(checkedValue(inviteId, field, bounds.schema, value));
}

function describeRange(schema: z.ZodType): string {
  return schema === iqScore ? '50–160' : '0–100';
}

/**
 * A dimension's score by name, case-insensitively. Envelopes normally use the canonical spelling,
 * so an exact pass runs first and only a miss pays for lower-casing every name. No `dimensions`
 * reads as none (the schema's default).
 */
function dimensionScore(envelope: EnvelopeInput, canonical: string): number | undefined {
  const dimensions = envelope.dimensions;
  if (!dimensions) return undefined;
  for (const dimension of dimensions) if (dimension.name === canonical) return dimension.score;
  const wanted = canonical.toLowerCase();
  for (const dimension of dimensions) if (dimension.name.trim().toLowerCase() === wanted) return dimension.score;
  return undefined;
}

function deriveTestStatus(invite: AssessmentInvite): InviteStatus {
  if (invite.status === 'expired') return 'expired';
  let done = 0;
  for (const test of invite.tests) if (test.status === 'completed') done += 1;
  if (done > 0 && done === invite.tests.length) return 'completed';
  return done > 0 ? 'in_progress' : 'invited';
}

/** Matches what `Date#toISOString` prints, the form we send; anything else is re-printed in it. */
const CANONICAL_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function completionInstant(invite: AssessmentInvite): string | undefined {
  if (invite.completedAt) return CANONICAL_INSTANT.test(invite.completedAt) ? invite.completedAt : new Date(invite.completedAt).toISOString();
  let latest: number | undefined;
  for (const test of invite.tests) {
    if (!test.completedAt) continue;
    const at = Date.parse(test.completedAt);
    if (latest === undefined || at > latest) latest = at;
  }
  return latest === undefined ? undefined : new Date(latest).toISOString();
}

const TRAILING_SLASHES = /\/+$/;

export function resultUrlFor(resultUrlBase: string, inviteId: string): string {
  const base = resultUrlBase.endsWith('/') ? resultUrlBase.replace(TRAILING_SLASHES, '') : resultUrlBase;
  return `${base}/business/dashboard/invites/${encodeURIComponent(inviteId)}`;
}

/**
 * Maps one invite to the `jc_*` values a push writes (strings; `""` clears a value in HubSpot): the
 * status properties of this invite, and each finished test's values; with `replace`, every other
 * test property as `""`. Anything out of range or malformed throws `INVALID_INVITE` naming the
 * invite, field and value: values are never clamped or guessed.
 */
export function mapInviteToProperties(input: AssessmentInvite, options: MapInviteOptions): ContactProperties {
  if (!options?.resultUrlBase) {
    throw new HubSpotKitError('INVALID_OPTIONS', 'mapInviteToProperties needs options.resultUrlBase (the JobCannon dashboard origin)');
  }
  // zod's parse was most of the mapping's time: the hand check passes the well-formed invites that
  // are nearly all traffic as they are, and the rest meet the schema (which words the error).
  const invite: AssessmentInvite = conformsToInviteSchema(input) ? input : parseAssessmentInvite(input);
  // the schema trims the id; trimming again is a no-op on its output
  const inviteId = invite.id.trim();
  const email = normalizeEmail(invite.email);
  if (!EMAIL_PATTERN.test(email)) checkedValue(inviteId, 'email', emailSchema, email);

  const policy = options.mergePolicy ?? 'latest-per-test';
  const properties = (policy === 'replace' ? { ...EMPTY_PROPERTIES } : {}) as ContactProperties;
  const testStatus = deriveTestStatus(invite);
  const tests = invite.tests;
  if (invite.status === 'completed' && testStatus !== 'completed') {
    const pending = tests.filter((test) => test.status !== 'completed').map((test) => test.slug);
    throw invalidInviteError(
      inviteId,
      'status',
      invite.status,
      tests.length === 0 ? 'says completed but no test is assigned' : `says completed but these tests are not: ${pending.join(', ')}`,
    );
  }

  for (let index = 0; index < tests.length; index += 1) {
    const test = tests[index]!;
    if (test.status !== 'completed') continue;
    if (!test.result) throw invalidInviteError(inviteId, `tests[${index}].result`, test.result, `is missing for the completed ${test.slug} test`);
    mapCompletedTest(inviteId, test.slug, test.result, properties);
  }
  if (policy === 'latest-per-test' && options.carriedTests) {
    const finishedHere = new Set(tests.filter((test) => test.status === 'completed').map((test) => test.slug));
    for (const carried of options.carriedTests) {
      if (finishedHere.has(carried.slug)) continue;
      mapCompletedTest(carried.inviteId, carried.slug, carried.result, properties);
    }
  }

  properties.jc_test_status = testStatus;
  properties.jc_invitation_id = inviteId;
  properties.jc_result_url = resultUrlFor(options.resultUrlBase, inviteId);
  if (options.contactNames) {
    // the schema trims names; trimming again is a no-op on its output
    const firstName = invite.firstName?.trim();
    const lastName = invite.lastName?.trim();
    if (firstName) properties.firstname = firstName;
    if (lastName) properties.lastname = lastName;
  }
  properties.jc_completed_at = '';
  if (testStatus === 'completed') {
    const completedAt = completionInstant(invite);
    if (!completedAt) throw invalidInviteError(inviteId, 'completedAt', invite.completedAt, 'is missing for a completed invite');
    properties.jc_completed_at = completedAt;
  }
  return properties;
}

/** A type test's code as sent: trimmed and upper-cased (a non-string is left for the schema to name). */
function codeOf(envelope: EnvelopeInput): unknown {
  return envelope.code?.trim().toUpperCase() ?? envelope.code;
}

function mapCompletedTest(inviteId: string, slug: AssignedTest['slug'], envelope: EnvelopeInput, properties: ContactProperties): void {
  switch (slug) {
    case 'disc':
    case 'big-five': {
      for (const [field, dimension] of DIMENSION_FIELDS[slug]) {
        properties[field] = checkedScore(inviteId, field, PERCENT, dimensionScore(envelope, dimension));
      }
      if (slug === 'big-five') properties.jc_bigfive_n = neuroticism(inviteId, envelope);
      return;
    }
    case 'iq':
      properties.jc_iq_score = checkedScore(inviteId, 'jc_iq_score', IQ, envelope.score ?? dimensionScore(envelope, 'IQ'));
      return;
    case 'integrity':
      properties.jc_integrity_score = checkedScore(inviteId, 'jc_integrity_score', PERCENT, envelope.score ?? dimensionScore(envelope, 'Integrity'));
      return;
    case 'mbti': {
      const code = codeOf(envelope);
      properties.jc_mbti_type = typeof code === 'string' && MBTI_PATTERN.test(code) ? code : checkedValue(inviteId, 'jc_mbti_type', mbtiCode, code);
      return;
    }
    case 'riasec': {
      const code = codeOf(envelope);
      const valid = typeof code === 'string' && RIASEC_PATTERN.test(code) && code[0] !== code[1] && code[0] !== code[2] && code[1] !== code[2];
      properties.jc_riasec_holland = valid ? code : checkedValue(inviteId, 'jc_riasec_holland', riasecCode, code);
      return;
    }
  }
}

/** Neuroticism as reported, or the inverse of Emotional Stability where the envelope reports that. */
function neuroticism(inviteId: string, envelope: EnvelopeInput): string {
  const direct = dimensionScore(envelope, 'Neuroticism');
  if (direct !== undefined) return checkedScore(inviteId, 'jc_bigfive_n', PERCENT, direct);
  const stability = dimensionScore(envelope, 'Emotional Stability');
  if (stability === undefined) throw invalidInviteError(inviteId, 'jc_bigfive_n', undefined, 'is missing (neither Neuroticism nor Emotional Stability is reported)');
  const inRange = stability >= PERCENT.min && stability <= PERCENT.max ? stability : checkedValue(inviteId, 'jc_bigfive_n', percentScore, stability);
  return formatNumber(100 - inRange);
}
