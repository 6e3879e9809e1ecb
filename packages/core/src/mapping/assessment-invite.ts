import { z } from 'zod';
import { HubSpotKitError } from '../errors.js';

/** The assessments JobCannon runs; the slug is how an assigned test names its kind. */
export const TEST_SLUGS = ['disc', 'big-five', 'iq', 'integrity', 'mbti', 'riasec'] as const;
export type TestSlug = (typeof TEST_SLUGS)[number];

export const INVITE_STATUSES = ['invited', 'in_progress', 'completed', 'expired'] as const;
export type InviteStatus = (typeof INVITE_STATUSES)[number];

export const TEST_STATUSES = ['pending', 'in_progress', 'completed'] as const;
export type AssignedTestStatus = (typeof TEST_STATUSES)[number];

const isoInstant = z.iso.datetime({ offset: true });

/** JobCannon's standard result envelope: dimensions with a 0-100 score, plus a code for type tests. */
export const resultEnvelopeSchema = z.object({
  dimensions: z
    .array(
      z.object({
        name: z.string().min(1),
        score: z.number(),
        percentile: z.number().nullish(),
      }),
    )
    .default([]),
  /** MBTI type or RIASEC Holland code. */
  code: z.string().nullish(),
  /** The one overall score of single-score tests: IQ's scaled score, integrity's combined score. */
  score: z.number().nullish(),
});

export const assignedTestSchema = z.object({
  slug: z.enum(TEST_SLUGS, { error: `is not a known test slug (known: ${TEST_SLUGS.join(', ')})` }),
  status: z.enum(TEST_STATUSES),
  completedAt: isoInstant.nullish(),
  result: resultEnvelopeSchema.nullish(),
});

export const assessmentInviteSchema = z
  .object({
    id: z.string().trim().min(1),
    orgId: z.string().trim().min(1),
    email: z.string(),
    status: z.enum(INVITE_STATUSES),
    tests: z.array(assignedTestSchema),
    createdAt: isoInstant,
    updatedAt: isoInstant,
    completedAt: isoInstant.nullish(),
    expiresAt: isoInstant.nullish(),
    /** The candidate's name, when the host knows it (sent as firstname/lastname with `contactNames`). */
    firstName: z.string().trim().max(100).nullish(),
    lastName: z.string().trim().max(100).nullish(),
  })
  .superRefine((invite, context) => {
    const seen = new Set<string>();
    invite.tests.forEach((test, index) => {
      if (seen.has(test.slug)) {
        context.addIssue({ code: 'custom', path: ['tests', index, 'slug'], message: 'is assigned more than once' });
      }
      seen.add(test.slug);
    });
  });

export type ResultEnvelope = z.infer<typeof resultEnvelopeSchema>;
export type AssignedTest = z.infer<typeof assignedTestSchema>;
/** An assessment invite as the host hands it to the kit (ISO 8601 timestamps). */
export type AssessmentInvite = z.input<typeof assessmentInviteSchema>;
export type ParsedAssessmentInvite = z.output<typeof assessmentInviteSchema>;

/**
 * The pattern `isoInstant` checks, read from the schema so the hand check below cannot drift from it
 * (a schema without one leaves the hand check refusing everything, and the schema deciding alone).
 */
const ISO_INSTANT_PATTERN: RegExp = isoInstant._zod.def.pattern ?? /(?!)/;
const TEST_SLUG_BITS: ReadonlyMap<unknown, number> = new Map(TEST_SLUGS.map((slug, index) => [slug, 1 << index]));
const INVITE_STATUS_SET: ReadonlySet<unknown> = new Set(INVITE_STATUSES);
const TEST_STATUS_SET: ReadonlySet<unknown> = new Set(TEST_STATUSES);

/** zod's own object test: arrays are not objects. */
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `z.number()`: NaN and the infinities are refused. */
function isFiniteNumber(value: unknown): boolean {
  return typeof value === 'number' && Number.isFinite(value);
}

function isNullishNumber(value: unknown): boolean {
  return value === undefined || value === null || isFiniteNumber(value);
}

/** The last string the pattern passed: an invite's instants are mostly one and the same. */
let lastInstant: string | undefined;

function isInstant(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  if (value === lastInstant) return true;
  if (!ISO_INSTANT_PATTERN.test(value)) return false;
  lastInstant = value;
  return true;
}

function isNullishInstant(value: unknown): boolean {
  return value === undefined || value === null || isInstant(value);
}

/** `z.string().trim().min(1)`. */
function isNonBlank(value: unknown): boolean {
  return typeof value === 'string' && value.trim().length > 0;
}

/**
 * `z.string().trim().max(100).nullish()`. zod counts code points; UTF-16 units are never fewer, so a
 * name that fits in units fits, and a longer one is left to the schema.
 */
function isNullishName(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim().length <= 100);
}

function isWellFormedEnvelope(envelope: unknown): boolean {
  if (!isRecord(envelope)) return false;
  const dimensions = envelope.dimensions;
  if (dimensions !== undefined) {
    if (!Array.isArray(dimensions)) return false;
    for (let index = 0; index < dimensions.length; index += 1) {
      const dimension: unknown = dimensions[index];
      if (!isRecord(dimension)) return false;
      const name = dimension.name;
      if (typeof name !== 'string' || name.length === 0 || !isFiniteNumber(dimension.score) || !isNullishNumber(dimension.percentile)) return false;
    }
  }
  const code = envelope.code;
  return (code === undefined || code === null || typeof code === 'string') && isNullishNumber(envelope.score);
}

/**
 * The rules of `assessmentInviteSchema`, checked by hand for the mapping's hot path (zod's parse
 * was most of an invite's mapping time). True only where the schema accepts the input as well; on
 * anything else it answers false and the caller asks the schema, which keeps the last word and
 * the error's wording. What the schema changes on the way through (trimmed id and names,
 * `dimensions` defaulting to []) is left to the caller. assessment-invite.test.ts holds the two in step.
 */
export function conformsToInviteSchema(input: unknown): input is AssessmentInvite {
  if (!isRecord(input)) return false;
  if (!isNonBlank(input.id) || !isNonBlank(input.orgId) || typeof input.email !== 'string' || !INVITE_STATUS_SET.has(input.status)) return false;
  if (!isInstant(input.createdAt) || !isInstant(input.updatedAt) || !isNullishInstant(input.completedAt) || !isNullishInstant(input.expiresAt)) return false;
  if (!isNullishName(input.firstName) || !isNullishName(input.lastName)) return false;
  const tests = input.tests;
  if (!Array.isArray(tests)) return false;
  let assigned = 0;
  for (let index = 0; index < tests.length; index += 1) {
    const test: unknown = tests[index];
    if (!isRecord(test)) return false;
    const bit = TEST_SLUG_BITS.get(test.slug);
    // an unknown slug, or one assigned twice (the schema's refinement)
    if (bit === undefined || (assigned & bit) !== 0) return false;
    assigned |= bit;
    if (!TEST_STATUS_SET.has(test.status) || !isNullishInstant(test.completedAt)) return false;
    const result = test.result;
    if (result !== undefined && result !== null && !isWellFormedEnvelope(result)) return false;
  }
  return true;
}

/** Builds the one error shape every invalid invite gets: it names the invite, the field and the value. */
export function invalidInviteError(inviteId: string, field: string, value: unknown, problem: string): HubSpotKitError {
  return new HubSpotKitError('INVALID_INVITE', `Invite ${inviteId}: ${field} ${problem} (value: ${describeValue(value)})`, {
    details: { inviteId, field, value },
  });
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function valueAtPath(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '');
}

/** Validates a host invite; throws `INVALID_INVITE` naming the invite, the field and the value. */
export function parseAssessmentInvite(input: unknown): ParsedAssessmentInvite {
  const result = assessmentInviteSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const rawId = valueAtPath(input, ['id']);
  const inviteId = typeof rawId === 'string' && rawId.trim() ? rawId : '(no id)';
  const field = formatPath(issue.path) || 'invite';
  const value = valueAtPath(input, issue.path);
  const problem = issue.code === 'invalid_type' && value === undefined ? 'is required' : issue.message;
  throw invalidInviteError(inviteId, field, value, problem);
}
