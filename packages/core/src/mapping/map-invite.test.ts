import { describe, expect, it } from 'vitest';
import { HubSpotKitError } from '../errors.js';
import type { AssessmentInvite, AssignedTestStatus, TestSlug } from './assessment-invite.js';
import { formatNumber, mapInviteToProperties, normalizeEmail } from './map-invite.js';
import { PROPERTY_DEFINITIONS, PROPERTY_GROUP, PROPERTY_NAMES } from './property-definitions.js';

const resultUrlBase = 'https://app.jobcannon.io';
const doneAt = '2026-05-17T14:32:00Z';

interface TestInput {
  slug: TestSlug;
  status: AssignedTestStatus;
  completedAt: string;
  result: { dimensions: Array<{ name: string; score: number; percentile?: number }> };
}

const disc: TestInput = { slug: 'disc', status: 'completed', completedAt: doneAt, result: { dimensions: [
  { name: 'Dominance', score: 72, percentile: 80 },
  { name: 'Influence', score: 41.256 },
  { name: 'Steadiness', score: 0 },
  { name: 'Conscientiousness', score: 100 },
] } };
const bigFiveStability: TestInput = { slug: 'big-five', status: 'completed', completedAt: doneAt, result: { dimensions: [
  { name: 'Openness', score: 61 },
  { name: 'Conscientiousness', score: 70.5 },
  { name: 'Extraversion', score: 33 },
  { name: 'Agreeableness', score: 58 },
  { name: 'Emotional Stability', score: 55 },
] } };

function invite(overrides: Partial<AssessmentInvite> = {}): AssessmentInvite {
  return {
    id: 'inv_42',
    orgId: 'org_1',
    email: ' Ada.Lovelace@Example.com ',
    status: 'completed',
    tests: [disc, bigFiveStability],
    createdAt: '2026-05-10T09:00:00Z',
    updatedAt: doneAt,
    completedAt: doneAt,
    ...overrides,
  } as AssessmentInvite;
}

function mappingError(input: AssessmentInvite): HubSpotKitError {
  try {
    mapInviteToProperties(input, { resultUrlBase });
  } catch (error) {
    expect(error).toBeInstanceOf(HubSpotKitError);
    return error as HubSpotKitError;
  }
  throw new Error('expected mapInviteToProperties to throw');
}

describe('property definitions', () => {
  it('declares the group and the 17 properties exactly as score-mapping.md', () => {
    expect(PROPERTY_GROUP).toEqual({ name: 'jobcannon_assessments', label: 'JobCannon Assessments', displayOrder: -1 });
    expect(PROPERTY_DEFINITIONS.map((p) => [p.name, p.label, p.type, p.fieldType])).toEqual([
      ['jc_disc_d', 'JC DISC \u2014 Dominance', 'number', 'number'],
      ['jc_disc_i', 'JC DISC \u2014 Influence', 'number', 'number'],
      ['jc_disc_s', 'JC DISC \u2014 Steadiness', 'number', 'number'],
      ['jc_disc_c', 'JC DISC \u2014 Conscientiousness', 'number', 'number'],
      ['jc_bigfive_o', 'JC Big Five \u2014 Openness', 'number', 'number'],
      ['jc_bigfive_c', 'JC Big Five \u2014 Conscientiousness', 'number', 'number'],
      ['jc_bigfive_e', 'JC Big Five \u2014 Extraversion', 'number', 'number'],
      ['jc_bigfive_a', 'JC Big Five \u2014 Agreeableness', 'number', 'number'],
      ['jc_bigfive_n', 'JC Big Five \u2014 Neuroticism', 'number', 'number'],
      ['jc_iq_score', 'JC IQ Score', 'number', 'number'],
      ['jc_integrity_score', 'JC Integrity Score', 'number', 'number'],
      ['jc_mbti_type', 'JC MBTI Type', 'string', 'text'],
      ['jc_riasec_holland', 'JC RIASEC Holland Code', 'string', 'text'],
      ['jc_test_status', 'JC Test Status', 'enumeration', 'select'],
      ['jc_result_url', 'JC Result URL', 'string', 'text'],
      ['jc_completed_at', 'JC Completed At', 'datetime', 'date'],
      ['jc_invitation_id', 'JC Invitation ID', 'string', 'text'],
    ]);
  });

  it('is ready to send to the property-create API', () => {
    for (const definition of PROPERTY_DEFINITIONS) {
      expect(definition.groupName).toBe('jobcannon_assessments');
      expect(definition.options).toEqual(definition.type === 'enumeration' ? expect.any(Array) : []);
      expect(Object.keys(definition).sort()).toEqual(
        ['description', 'displayOrder', 'fieldType', 'formField', 'groupName', 'hasUniqueValue', 'label', 'name', 'options', 'type'],
      );
    }
    const status = PROPERTY_DEFINITIONS.find((p) => p.name === 'jc_test_status')!;
    expect(status.options.map((o) => [o.value, o.label])).toEqual([
      ['invited', 'Invited'],
      ['in_progress', 'In progress'],
      ['completed', 'Completed'],
      ['expired', 'Expired'],
    ]);
  });
});

describe('normalizeEmail', () => {
  it('trims and lower-cases', () => {
    expect(normalizeEmail('  Ada.Lovelace@Example.COM \n')).toBe('ada.lovelace@example.com');
  });
});

describe('formatNumber', () => {
  /** The definition: integers as they are, the rest rounded to hundredths, printed as String prints them. */
  const reference = (value: number) => {
    if (Number.isInteger(value)) return String(value);
    const rounded = Math.round(value * 100) / 100;
    return String(Object.is(rounded, -0) ? 0 : rounded);
  };

  it('prints every hundredth up to 10,000 as String prints it', () => {
    for (let hundredths = 0; hundredths <= 1_000_000; hundredths += 1) {
      const value = hundredths / 100;
      if (formatNumber(value) !== reference(value)) expect(formatNumber(value)).toBe(reference(value));
    }
  });

  it('rounds to two decimals, without float noise or a negative zero', () => {
    const values = [41.256, 5.005, 0.005, 0.004, 99.995, 99.994, 44.75, 70.5, 0.1 + 0.2, 100 - 55.1, 1e-7, -0.001, -0, -12.345, 10_000.005, 123_456.789, 1e21 + 0.5];
    for (const value of values) expect(formatNumber(value)).toBe(reference(value));
    expect([41.256, 5.005, 0.004, 99.995, 0.1 + 0.2, 100 - 55.1, -0.001].map(formatNumber)).toEqual(['41.26', '5.01', '0', '100', '0.3', '44.9', '0']);
  });
});

describe('mapInviteToProperties', () => {
  it('maps the worked example from score-mapping.md (latest-per-test: tests not taken are not sent)', () => {
    expect(mapInviteToProperties(invite(), { resultUrlBase })).toEqual({
      jc_disc_d: '72',
      jc_disc_i: '41.26',
      jc_disc_s: '0',
      jc_disc_c: '100',
      jc_bigfive_o: '61',
      jc_bigfive_c: '70.5',
      jc_bigfive_e: '33',
      jc_bigfive_a: '58',
      jc_bigfive_n: '45',
      jc_test_status: 'completed',
      jc_result_url: 'https://app.jobcannon.io/business/dashboard/invites/inv_42',
      jc_completed_at: '2026-05-17T14:32:00.000Z',
      jc_invitation_id: 'inv_42',
    });
  });

  it('maps the worked example with replace: tests not taken are sent as "" so HubSpot clears them', () => {
    expect(mapInviteToProperties(invite(), { resultUrlBase, mergePolicy: 'replace' })).toEqual({
      jc_disc_d: '72',
      jc_disc_i: '41.26',
      jc_disc_s: '0',
      jc_disc_c: '100',
      jc_bigfive_o: '61',
      jc_bigfive_c: '70.5',
      jc_bigfive_e: '33',
      jc_bigfive_a: '58',
      jc_bigfive_n: '45',
      jc_iq_score: '',
      jc_integrity_score: '',
      jc_mbti_type: '',
      jc_riasec_holland: '',
      jc_test_status: 'completed',
      jc_result_url: 'https://app.jobcannon.io/business/dashboard/invites/inv_42',
      jc_completed_at: '2026-05-17T14:32:00.000Z',
      jc_invitation_id: 'inv_42',
    });
  });

  it('fills every one of the 17 properties when all six tests are done', () => {
    const all = invite({
      completedAt: null,
      tests: [
        disc,
        { slug: 'big-five', status: 'completed', completedAt: doneAt, result: { dimensions: [
          { name: 'openness', score: 1 }, { name: 'CONSCIENTIOUSNESS', score: 2 }, { name: 'Extraversion', score: 3 },
          { name: 'Agreeableness', score: 4 }, { name: 'Neuroticism', score: 5.005 },
        ] } },
        { slug: 'iq', status: 'completed', completedAt: '2026-05-18T08:00:00+02:00', result: { score: 127 } },
        { slug: 'integrity', status: 'completed', completedAt: doneAt, result: { score: 88.8 } },
        { slug: 'mbti', status: 'completed', completedAt: doneAt, result: { code: 'intj' } },
        { slug: 'riasec', status: 'completed', completedAt: doneAt, result: { code: 'IAS' } },
      ],
    });
    const properties = mapInviteToProperties(all, { resultUrlBase: 'https://dash.example.com/' });
    expect(Object.keys(properties).sort()).toEqual([...PROPERTY_NAMES].sort());
    expect(properties).toMatchObject({
      jc_bigfive_o: '1', jc_bigfive_c: '2', jc_bigfive_e: '3', jc_bigfive_a: '4', jc_bigfive_n: '5.01',
      jc_iq_score: '127', jc_integrity_score: '88.8', jc_mbti_type: 'INTJ', jc_riasec_holland: 'IAS',
      jc_test_status: 'completed',
      // the latest test completion when the invite carries none; offsets become UTC
      jc_completed_at: '2026-05-18T06:00:00.000Z',
      jc_result_url: 'https://dash.example.com/business/dashboard/invites/inv_42',
    });
    for (const value of Object.values(properties)) expect(value).not.toBe('');
  });

  it('inverts Emotional Stability into Neuroticism without float noise', () => {
    const properties = mapInviteToProperties(
      invite({ tests: [{ ...bigFiveStability, result: { dimensions: [...bigFiveStability.result.dimensions.slice(0, 4), { name: 'emotional stability', score: 55.1 }] } }] }),
      { resultUrlBase },
    );
    expect(properties.jc_bigfive_n).toBe('44.9');
  });

  it('sends a partial invite as in_progress with no completion time, leaving unfinished tests alone', () => {
    const partial = invite({ status: 'in_progress', completedAt: null, tests: [disc, { slug: 'big-five', status: 'in_progress' }] });
    const properties = mapInviteToProperties(partial, { resultUrlBase });
    expect(properties.jc_test_status).toBe('in_progress');
    expect(properties.jc_disc_d).toBe('72');
    expect(properties).not.toHaveProperty('jc_bigfive_o');
    expect(properties.jc_completed_at).toBe('');
    const replaced = mapInviteToProperties(partial, { resultUrlBase, mergePolicy: 'replace' });
    expect(replaced.jc_bigfive_o).toBe('');
    expect(replaced.jc_bigfive_n).toBe('');
  });

  it('writes carried results of earlier invites only where this invite has none, and never counts them in its status', () => {
    const carried = [
      { slug: 'iq' as const, completedAt: '2026-09-02T10:00:00.000Z', result: { dimensions: [], score: 118 }, inviteId: 'inv_77' },
      { slug: 'disc' as const, completedAt: '2026-01-01T00:00:00.000Z', result: { dimensions: [{ name: 'Dominance', score: 1 }, { name: 'Influence', score: 1 }, { name: 'Steadiness', score: 1 }, { name: 'Conscientiousness', score: 1 }] }, inviteId: 'inv_1' },
    ];
    const partial = invite({ id: 'inv_78', status: 'in_progress', completedAt: null, tests: [disc, { slug: 'iq', status: 'pending' }] });
    const properties = mapInviteToProperties(partial, { resultUrlBase, carriedTests: carried });
    expect(properties).toMatchObject({ jc_iq_score: '118', jc_disc_d: '72', jc_test_status: 'in_progress', jc_invitation_id: 'inv_78', jc_completed_at: '' });
    expect(mapInviteToProperties(partial, { resultUrlBase, mergePolicy: 'replace', carriedTests: carried }).jc_iq_score).toBe('');
  });

  it('marks invites with nothing done as invited, and expired ones as expired', () => {
    const pending = [{ slug: 'disc', status: 'pending' }] as const;
    expect(mapInviteToProperties(invite({ status: 'invited', completedAt: null, tests: [...pending] }), { resultUrlBase }).jc_test_status).toBe('invited');
    const expired = mapInviteToProperties(invite({ status: 'expired', completedAt: null, tests: [disc, { slug: 'iq', status: 'pending' }] }), { resultUrlBase });
    expect(expired.jc_test_status).toBe('expired');
    expect(expired.jc_disc_d).toBe('72');
    expect(expired.jc_completed_at).toBe('');
  });

  it('with replace, sends unassigned tests as empty strings so HubSpot clears them', () => {
    const properties = mapInviteToProperties(invite({ tests: [{ slug: 'mbti', status: 'completed', completedAt: doneAt, result: { code: 'ENFP' } }] }), { resultUrlBase, mergePolicy: 'replace' });
    const filled = Object.entries(properties).filter(([, value]) => value !== '').map(([name]) => name).sort();
    expect(filled).toEqual(['jc_completed_at', 'jc_invitation_id', 'jc_mbti_type', 'jc_result_url', 'jc_test_status']);
  });

  it('sends the candidate’s name only with contactNames, and only the parts it has', () => {
    const named = invite({ firstName: ' Ada ', lastName: 'Lovelace' } as never);
    expect(mapInviteToProperties(named, { resultUrlBase })).not.toHaveProperty('firstname');
    expect(mapInviteToProperties(named, { resultUrlBase, contactNames: true })).toMatchObject({ firstname: 'Ada', lastname: 'Lovelace' });
    expect(mapInviteToProperties(invite({ firstName: 'Ada' } as never), { resultUrlBase, contactNames: true })).not.toHaveProperty('lastname');
  });

  it('needs a result URL base', () => {
    expect(() => mapInviteToProperties(invite(), { resultUrlBase: '' })).toThrow(/resultUrlBase/);
  });

  describe('rejects bad input with an error naming invite, field and value', () => {
    const cases: Array<[string, AssessmentInvite, string, unknown, RegExp]> = [
      ['bad email', invite({ email: 'ada@' }), 'email', 'ada@', /Invite inv_42: email .*"ada@"/],
      ['email with a space inside', invite({ email: 'ada love@example.com' }), 'email', 'ada love@example.com', /email/],
      ['DISC score above 100', invite({ tests: [{ ...disc, result: { dimensions: [{ name: 'Dominance', score: 120 }, ...disc.result.dimensions.slice(1)] } }] }), 'jc_disc_d', 120, /jc_disc_d is out of range \(0–100\) \(value: 120\)/],
      ['negative score', invite({ tests: [{ ...disc, result: { dimensions: [...disc.result.dimensions.slice(0, 3), { name: 'Conscientiousness', score: -1 }] } }] }), 'jc_disc_c', -1, /out of range/],
      ['IQ below the scale', invite({ tests: [{ slug: 'iq', status: 'completed', completedAt: doneAt, result: { score: 45 } }] }), 'jc_iq_score', 45, /jc_iq_score is out of range \(50–160\)/],
      ['integrity above 100', invite({ tests: [{ slug: 'integrity', status: 'completed', completedAt: doneAt, result: { score: 101 } }] }), 'jc_integrity_score', 101, /out of range/],
      ['Emotional Stability out of range', invite({ tests: [{ ...bigFiveStability, result: { dimensions: [...bigFiveStability.result.dimensions.slice(0, 4), { name: 'Emotional Stability', score: 155 }] } }] }), 'jc_bigfive_n', 155, /jc_bigfive_n is out of range/],
      ['malformed MBTI', invite({ tests: [{ slug: 'mbti', status: 'completed', completedAt: doneAt, result: { code: 'INTX' } }] }), 'jc_mbti_type', 'INTX', /jc_mbti_type is not an MBTI type .*"INTX"/],
      ['MBTI too long', invite({ tests: [{ slug: 'mbti', status: 'completed', completedAt: doneAt, result: { code: 'INTJA' } }] }), 'jc_mbti_type', 'INTJA', /not an MBTI type/],
      ['RIASEC repeated letter', invite({ tests: [{ slug: 'riasec', status: 'completed', completedAt: doneAt, result: { code: 'IIA' } }] }), 'jc_riasec_holland', 'IIA', /repeats a letter .*"IIA"/],
      ['RIASEC foreign letter', invite({ tests: [{ slug: 'riasec', status: 'completed', completedAt: doneAt, result: { code: 'IAX' } }] }), 'jc_riasec_holland', 'IAX', /not a Holland code/],
      ['missing RIASEC code', invite({ tests: [{ slug: 'riasec', status: 'completed', completedAt: doneAt, result: { dimensions: [] } }] }), 'jc_riasec_holland', undefined, /jc_riasec_holland is missing \(value: missing\)/],
      ['missing DISC dimension', invite({ tests: [{ ...disc, result: { dimensions: disc.result.dimensions.slice(1) } }] }), 'jc_disc_d', undefined, /jc_disc_d is missing/],
      ['missing Neuroticism and Emotional Stability', invite({ tests: [{ ...bigFiveStability, result: { dimensions: bigFiveStability.result.dimensions.slice(0, 4) } }] }), 'jc_bigfive_n', undefined, /neither Neuroticism nor Emotional Stability/],
      ['unknown test slug', invite({ tests: [{ slug: 'enneagram', status: 'completed', completedAt: doneAt, result: { dimensions: [] } } as never] }), 'tests[0].slug', 'enneagram', /tests\[0\]\.slug is not a known test slug .*"enneagram"/],
      ['test assigned twice', invite({ tests: [disc, disc] }), 'tests[1].slug', 'disc', /assigned more than once/],
      ['completed test without result', invite({ tests: [{ slug: 'iq', status: 'completed', completedAt: doneAt }] }), 'tests[0].result', undefined, /tests\[0\]\.result is missing/],
      ['completed invite with a pending test', invite({ tests: [disc, { slug: 'iq', status: 'pending' }] }), 'status', 'completed', /says completed but these tests are not: iq/],
      ['completed invite with no completion time', invite({ completedAt: null, tests: [{ ...disc, completedAt: null }] }), 'completedAt', null, /completedAt is missing/],
      ['bad timestamp', invite({ createdAt: 'yesterday' }), 'createdAt', 'yesterday', /createdAt .*"yesterday"/],
      ['unknown invite status', invite({ status: 'done' as never }), 'status', 'done', /status .*"done"/],
      ['missing org', invite({ orgId: undefined as never }), 'orgId', undefined, /orgId is required/],
    ];
    it.each(cases)('%s', (_name, input, field, value, message) => {
      const error = mappingError(input);
      expect(error.code).toBe('INVALID_INVITE');
      expect(error.details).toEqual({ inviteId: 'inv_42', field, value });
      expect(error.message).toMatch(/^Invite inv_42: /);
      expect(error.message).toMatch(message);
    });

    it('names an invite without an id as such', () => {
      const error = mappingError(invite({ id: '' }));
      expect(error.details).toMatchObject({ inviteId: '(no id)', field: 'id', value: '' });
    });

    it('rejects a score that is not a number', () => {
      const error = mappingError(invite({ tests: [{ slug: 'iq', status: 'completed', completedAt: doneAt, result: { score: '127' as never } }] }));
      expect(error.details).toMatchObject({ field: 'tests[0].result.score', value: '127' });
    });
  });
});
