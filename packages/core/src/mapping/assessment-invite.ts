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
