import { describe, expect, it } from 'vitest';
import { HubSpotKitError } from '../errors.js';
import { assessmentInviteSchema, conformsToInviteSchema, type AssessmentInvite } from './assessment-invite.js';
import { mapInviteToProperties, type MapInviteOptions } from './map-invite.js';

const at = '2026-05-17T14:32:00Z';

const bases: AssessmentInvite[] = [
  {
    id: 'inv_1',
    orgId: 'org_1',
    email: ' Ada.Lovelace@Example.com ',
    status: 'completed',
    createdAt: '2026-05-10T09:00:00Z',
    updatedAt: at,
    completedAt: at,
    tests: [
      { slug: 'disc', status: 'completed', completedAt: at, result: { dimensions: [{ name: 'Dominance', score: 72, percentile: 80 }, { name: 'Influence', score: 41.256 }, { name: 'Steadiness', score: 0 }, { name: 'Conscientiousness', score: 100, percentile: null }] } },
      { slug: 'big-five', status: 'completed', completedAt: at, result: { dimensions: [{ name: 'Openness', score: 61 }, { name: 'conscientiousness', score: 70.5 }, { name: 'Extraversion', score: 33 }, { name: 'Agreeableness', score: 58 }, { name: 'Emotional Stability', score: 55.25 }] } },
      { slug: 'iq', status: 'completed', completedAt: '2026-05-18T08:00:00+02:00', result: { score: 127 } },
      { slug: 'integrity', status: 'completed', completedAt: at, result: { dimensions: [{ name: 'Integrity', score: 88.8 }], score: null } },
      { slug: 'mbti', status: 'completed', completedAt: at, result: { code: ' intj ' } },
      { slug: 'riasec', status: 'completed', completedAt: at, result: { code: 'IAS', dimensions: [] } },
    ],
  },
  {
    id: ' inv_2 ',
    orgId: 'org_2',
    email: 'grace@example.com',
    status: 'in_progress',
    createdAt: at,
    updatedAt: at,
    completedAt: null,
    expiresAt: '2026-06-01T00:00:00.000Z',
    firstName: ' Grace ',
    lastName: 'Hopper',
    tests: [
      { slug: 'big-five', status: 'completed', completedAt: at, result: { dimensions: [{ name: 'Openness', score: 1 }, { name: 'Conscientiousness', score: 2 }, { name: 'Extraversion', score: 3 }, { name: 'Agreeableness', score: 4 }, { name: 'Neuroticism', score: 5.005 }] } },
      { slug: 'iq', status: 'pending' },
      { slug: 'mbti', status: 'in_progress', completedAt: null, result: null },
    ],
  },
];

/** Values that sit on or beside an edge of some field's rule. */
const EDGES: unknown[] = [
  undefined, null, '', '  ', ' x ', 'x', 0, -1, 1.5, 45, 55.1, 100, 100.001, 150, NaN, Infinity, -Infinity, true, {}, [], [{}],
  'INTJ', 'ias', 'IIA', 'ada@', 'ada@example.com', 'completed', 'pending', 'expired', 'disc', 'iq', 'enneagram',
  '2026-05-17T14:32:00Z', '2026-05-17T14:32:00.123+02:00', '2026-02-30T00:00:00Z', '2026-05-17', '2026-05-17T14:32Z',
  'a'.repeat(101), ` ${'a'.repeat(100)} `, '\u{1F600}'.repeat(60),
];

type Path = ReadonlyArray<string | number>;

/** Every path into an invite that some rule reads, plus one the schema does not know. */
function pathsOf(invite: AssessmentInvite): Path[] {
  const paths: Path[] = ['id', 'orgId', 'email', 'status', 'tests', 'createdAt', 'updatedAt', 'completedAt', 'expiresAt', 'firstName', 'lastName', 'extra'].map((key) => [key]);
  invite.tests.forEach((test, index) => {
    paths.push(['tests', index], ...['slug', 'status', 'completedAt', 'result'].map((key) => ['tests', index, key]));
    if (!test.result) return;
    paths.push(...['dimensions', 'code', 'score'].map((key) => ['tests', index, 'result', key]));
    (test.result.dimensions ?? []).forEach((_, dimension) => {
      paths.push(['tests', index, 'result', 'dimensions', dimension], ...['name', 'score', 'percentile'].map((key) => ['tests', index, 'result', 'dimensions', dimension, key]));
    });
  });
  return paths;
}

function withValue(invite: AssessmentInvite, path: Path, value: unknown, remove: boolean): unknown {
  const copy = structuredClone(invite) as unknown as Record<string | number, unknown>;
  let parent = copy;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (remove) delete parent[last];
  else parent[last] = value;
  return copy;
}

function variants(): unknown[] {
  const all: unknown[] = [...bases, null, [], 'invite'];
  for (const base of bases) {
    for (const path of pathsOf(base)) {
      all.push(withValue(base, path, undefined, true));
      for (const value of EDGES) all.push(withValue(base, path, value, false));
    }
    all.push({ ...base, tests: [...base.tests, base.tests[0]] }, { ...base, tests: [] }, { ...base, tests: [base.tests[1]] });
  }
  return all;
}

/** What a mapping call comes to: the properties in their order, or the error it throws. */
function outcome(input: unknown, options: MapInviteOptions): unknown {
  try {
    return Object.entries(mapInviteToProperties(input as AssessmentInvite, options));
  } catch (error) {
    if (!(error instanceof HubSpotKitError)) throw error;
    return { code: error.code, message: error.message, details: error.details };
  }
}

describe('conformsToInviteSchema (the mapping’s hand check)', () => {
  // first in the file: the check remembers the last instant it passed, and none has been passed yet
  it('refuses a missing instant before it has passed any', () => {
    expect(conformsToInviteSchema({ ...bases[0]!, createdAt: undefined })).toBe(false);
  });

  it('passes the well-formed invites the mapping mostly sees', () => {
    for (const base of bases) expect(conformsToInviteSchema(base)).toBe(true);
  });

  it('passes nothing the schema refuses, and maps what it passes as the schema’s output maps', () => {
    const optionSets: MapInviteOptions[] = [
      { resultUrlBase: 'https://app.jobcannon.io' },
      { resultUrlBase: 'https://app.jobcannon.io/', mergePolicy: 'replace', contactNames: true },
    ];
    let passed = 0;
    let accepted = 0;
    for (const input of variants()) {
      const parsed = assessmentInviteSchema.safeParse(input);
      if (conformsToInviteSchema(input)) {
        passed += 1;
        expect(parsed.success, JSON.stringify(input)).toBe(true);
      }
      if (!parsed.success) continue;
      accepted += 1;
      for (const options of optionSets) expect(outcome(input, options)).toEqual(outcome(parsed.data, options));
    }
    // the check is meant to pass nearly everything the schema accepts; only the rare cases it
    // leaves to the schema (names longer than 100 UTF-16 units) may differ
    expect(passed).toBeGreaterThan(accepted * 0.95);
  });
});
