import { completedInvite, partialInvite } from '@jobcannon/hubspot-core/test-support';
import { describe, expect, it } from 'vitest';
import type { AssessmentInvite } from '@jobcannon/hubspot-core';
import {
  classifyRequest,
  expectedEntry,
  expectedFields,
  isValidSnapshot,
  summarizeErrors,
  takesOver,
  verify,
  winningSnapshot,
  type ActualContact,
  type ExpectedEntry,
  type FailureRecord,
  type LoggedRequest,
} from './verify.js';

const BASE = 'https://app.jobcannon.io';
const HUB = 1001;
const ORG = 'org-a';

const completed = completedInvite(ORG, 1);
const newer = completedInvite(ORG, 1, { updatedAt: '2026-06-01T00:00:00.000Z', completedAt: '2026-06-01T00:00:00.000Z', id: 'inv_retake' });
const partial = partialInvite(ORG, 1);

/** A contact exactly as HubSpot would hold it after a push of `invite` (empty values omitted). */
function contactOf(invite: typeof completed, hubId = HUB, overrides: Record<string, string> = {}): ActualContact {
  return contactWith({ ...expectedFields(invite, BASE), ...overrides }, hubId);
}

/** A contact holding exactly these values (empty ones omitted, as the emulator does). */
function contactWith(values: Record<string, string>, hubId = HUB): ActualContact {
  const { email, ...fields } = values;
  return { hubId, email: email ?? '', properties: Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== '')) };
}

function entryFor(offered: Array<typeof completed>, options: { invalid?: boolean; hubId?: number; orgId?: string } = {}): ExpectedEntry {
  return expectedEntry({
    orgId: options.orgId ?? ORG,
    hubId: options.hubId ?? HUB,
    email: offered[0]!.email,
    offered: offered.map((invite, seq) => ({ invite, seq })),
    invalid: options.invalid ?? false,
    resultUrlBase: BASE,
  })!;
}

function failure(invite: typeof completed, code: string, details: unknown, orgId = ORG): FailureRecord {
  return { orgId, email: invite.email, inviteId: invite.id, code, details };
}

function run(expected: ExpectedEntry[], contacts: ActualContact[], failures: FailureRecord[] = []) {
  return verify({ expected, contacts, failures }).counts;
}

describe('winningSnapshot', () => {
  it('prefers completed over partial whatever the order or time', () => {
    const latePartial = partialInvite(ORG, 1, { updatedAt: '2027-01-01T00:00:00.000Z' });
    expect(winningSnapshot([{ invite: completed, seq: 0 }, { invite: latePartial, seq: 1 }])?.invite).toBe(completed);
    expect(winningSnapshot([{ invite: latePartial, seq: 0 }, { invite: completed, seq: 1 }])?.invite).toBe(completed);
  });

  it('prefers the newer snapshot of the same kind, even when it arrived first', () => {
    expect(winningSnapshot([{ invite: newer, seq: 0 }, { invite: completed, seq: 1 }])?.invite).toBe(newer);
  });

  it('lets the later arrival win a tie', () => {
    const again = { ...completed };
    expect(winningSnapshot([{ invite: completed, seq: 0 }, { invite: again, seq: 1 }])?.invite).toBe(again);
  });
});

describe('winningSnapshot (score-mapping.md, which snapshot wins)', () => {
  it('lets a partial of a newer invite take the status from an older completed invite', () => {
    const newerPartial = partialInvite(ORG, 1, { id: 'inv_next', updatedAt: '2026-07-01T00:00:00.000Z' });
    expect(winningSnapshot([{ invite: completed, seq: 0 }, { invite: newerPartial, seq: 1 }])?.invite).toBe(newerPartial);
    expect(winningSnapshot([{ invite: newerPartial, seq: 0 }, { invite: completed, seq: 1 }])?.invite).toBe(newerPartial);
  });

  it('never lets a partial of the same invite replace its completed snapshot, however new', () => {
    const samePartial = partialInvite(ORG, 1, { updatedAt: '2027-01-01T00:00:00.000Z' });
    expect(takesOver(completed, samePartial)).toBe(false);
    expect(takesOver(samePartial, completed)).toBe(true);
  });

  it('folds in arrival order, not in list order', () => {
    const older = completedInvite(ORG, 1, { id: 'inv_a', updatedAt: '2026-05-01T00:00:00.000Z' });
    const again = { ...older };
    // Two equal snapshots: the later arrival wins, whatever position it has in the list.
    expect(winningSnapshot([{ invite: again, seq: 5 }, { invite: older, seq: 2 }])?.invite).toBe(again);
  });
});

describe('expectedFields (latest-per-test)', () => {
  const at = (day: number) => `2026-06-${String(day).padStart(2, '0')}T00:00:00.000Z`;
  const disc = (d: number, when: string) => ({ slug: 'disc' as const, status: 'completed' as const, completedAt: when, result: { dimensions: [{ name: 'Dominance', score: d }, { name: 'Influence', score: 1 }, { name: 'Steadiness', score: 2 }, { name: 'Conscientiousness', score: 3 }] } });
  const iq = (score: number, when: string) => ({ slug: 'iq' as const, status: 'completed' as const, completedAt: when, result: { score } });
  const mbti = (code: string, when: string) => ({ slug: 'mbti' as const, status: 'completed' as const, completedAt: when, result: { code } });
  const invite = (id: string, day: number, tests: AssessmentInvite['tests'], status: AssessmentInvite['status'] = 'completed') =>
    completedInvite(ORG, 1, { id, updatedAt: at(day), completedAt: status === 'completed' ? at(day) : null, status, tests });

  it('sends the winner\u2019s status and own tests, carries the others\u2019 finished tests, and leaves tests nobody finished empty', () => {
    const first = invite('inv_1', 1, [disc(10, at(1)), iq(101, at(1))]);
    const second = invite('inv_2', 2, [iq(120, at(2)), mbti('INTJ', at(2))]);
    const entry = entryFor([first, second]);
    expect(entry.fields).toMatchObject({ jc_invitation_id: 'inv_2', jc_test_status: 'completed', jc_disc_d: '10', jc_iq_score: '120', jc_mbti_type: 'INTJ', jc_riasec_holland: '', jc_integrity_score: '' });
  });

  it('keeps an older invite\u2019s results under a newer invite in progress', () => {
    const first = invite('inv_1', 1, [disc(10, at(1)), iq(101, at(1))]);
    const next = invite('inv_2', 3, [mbti('ENFP', at(3)), { slug: 'iq', status: 'in_progress' }], 'in_progress');
    const entry = entryFor([first, next]);
    expect(entry.completed).toBe(false);
    expect(entry.fields).toMatchObject({ jc_invitation_id: 'inv_2', jc_test_status: 'in_progress', jc_completed_at: '', jc_disc_d: '10', jc_iq_score: '101', jc_mbti_type: 'ENFP' });
  });

  it('takes, per test, the latest finish among the other invites, whatever their arrival order', () => {
    const early = invite('inv_1', 1, [disc(10, at(1)), iq(101, at(1))]);
    const later = invite('inv_2', 2, [disc(20, at(2)), iq(102, at(2))]);
    const winner = invite('inv_3', 3, [mbti('INTJ', at(3))]);
    expect(entryFor([winner, later, early]).fields).toMatchObject({ jc_disc_d: '20', jc_iq_score: '102', jc_mbti_type: 'INTJ' });
    expect(entryFor([later, early, winner]).fields).toMatchObject({ jc_disc_d: '20', jc_iq_score: '102' });
  });

  it('gives the winner\u2019s own result precedence over a later finish elsewhere', () => {
    // An older invite whose IQ test was re-scored later still loses the status and its IQ to the winner's own.
    const older = invite('inv_1', 1, [iq(140, at(9))]);
    const winner = invite('inv_2', 5, [iq(100, at(5))]);
    expect(entryFor([older, winner]).fields.jc_iq_score).toBe('100');
  });

  it('counts a contact showing an older invite\u2019s result of a test as a stale overwrite', () => {
    const first = invite('inv_1', 1, [disc(10, at(1)), iq(101, at(1))]);
    const second = invite('inv_2', 2, [disc(30, at(2)), iq(120, at(2))]);
    const entry = entryFor([first, second]);
    expect(run([entry], [contactWith({ ...entry.fields, jc_disc_d: '10' })])).toMatchObject({ staleOverwrite: 1, wrong: 0 });
    expect(run([entry], [contactWith({ ...entry.fields, jc_disc_d: '77' })])).toMatchObject({ staleOverwrite: 0, wrong: 1 });
    // A carried result missing (never written) is not explained by any snapshot: wrong.
    const carried = entryFor([first, invite('inv_2', 2, [mbti('INTJ', at(2))])]);
    expect(run([carried], [contactWith({ ...carried.fields, jc_iq_score: '' })])).toMatchObject({ wrong: 1 });
  });
});

describe('snapshots the kit refuses', () => {
  const valid = completedInvite(ORG, 1);
  const newerInvalid = completedInvite(ORG, 1, { id: 'inv_bad', updatedAt: '2026-07-01T00:00:00.000Z', completedAt: '2026-07-01T00:00:00.000Z', tests: [{ slug: 'iq', status: 'completed', completedAt: '2026-07-01T00:00:00.000Z', result: { score: 170 } }] });

  it('expects the valid snapshot in HubSpot and the newer invalid one listed apart', () => {
    expect(isValidSnapshot(newerInvalid, BASE)).toBe(false);
    const entry = entryFor([valid, newerInvalid]);
    expect(entry).toMatchObject({ outcome: 'contact', refusedInvites: ['inv_bad'] });
    expect(entry.fields.jc_invitation_id).toBe(valid.id);
    const listed = failure(newerInvalid, 'INVALID_INVITE', { inviteId: 'inv_bad', field: 'jc_iq_score', value: 170 });
    expect(run([entry], [contactOf(valid)], [listed])).toMatchObject({ matched: 1, lost: 0, unexpectedFailed: 0, expectedFailed: 1, failedWithReason: 1 });
  });

  it('counts the invalid one as lost when it is not listed, and the valid one as lost when it never landed', () => {
    const entry = entryFor([valid, newerInvalid]);
    expect(run([entry], [contactOf(valid)])).toMatchObject({ lost: 1, matched: 0 });
    const listed = failure(newerInvalid, 'INVALID_INVITE', { inviteId: 'inv_bad', field: 'jc_iq_score', value: 170 });
    expect(run([entry], [], [listed])).toMatchObject({ lost: 1, unexpectedFailed: 0 });
  });

  it('expects a candidate whose every snapshot was refused as listed, and nothing in HubSpot', () => {
    const entry = entryFor([newerInvalid]);
    expect(entry).toMatchObject({ outcome: 'failed', refusedInvites: ['inv_bad'] });
    const listed = failure(newerInvalid, 'INVALID_INVITE', { field: 'jc_iq_score', value: 170 });
    expect(run([entry], [], [listed])).toMatchObject({ matched: 1, lost: 0, expectedFailed: 1 });
    expect(run([entry], [])).toMatchObject({ matched: 0, lost: 1 });
    expect(run([entry], [contactOf(valid)], [listed]).unexpected).toBe(1);
  });

  it('counts the valid one listed as failed beside the invalid one as an unexpected failure', () => {
    const entry = entryFor([valid, newerInvalid]);
    const both = [failure(newerInvalid, 'INVALID_INVITE', { field: 'jc_iq_score' }), failure(valid, 'HUBSPOT_REJECTED', { status: 400 })];
    expect(run([entry], [], both)).toMatchObject({ unexpectedFailed: 1, lost: 0 });
  });
});

describe('verify counters', () => {
  it('counts nothing when HubSpot holds exactly the winners', () => {
    const counts = run([entryFor([completed, newer])], [contactOf(newer)]);
    expect(counts).toMatchObject({ matched: 1, lost: 0, wrong: 0, staleOverwrite: 0, duplicate: 0, unexpected: 0, unexpectedFailed: 0 });
  });

  it('reads an omitted property as the empty string HubSpot was sent', () => {
    const entry = entryFor([completed]);
    expect(entry.fields.jc_mbti_type).toBe('');
    expect(run([entry], [contactOf(completed)]).matched).toBe(1);
  });

  it('counts a missing contact as lost', () => {
    expect(run([entryFor([completed])], []).lost).toBe(1);
  });

  it('does not count a contact listed as failed with a reason as lost, but as an unexpected failure', () => {
    const counts = run([entryFor([completed])], [], [failure(completed, 'HUBSPOT_FORBIDDEN', { status: 403 })]);
    expect(counts).toMatchObject({ lost: 0, unexpectedFailed: 1, failedWithReason: 1, failedTransient: 0 });
  });

  it('counts a failure without details, or under a code the kit does not know, as lost', () => {
    expect(run([entryFor([completed])], [], [failure(completed, 'HUBSPOT_FORBIDDEN', {})])).toMatchObject({ lost: 1, failedWithReason: 0 });
    expect(run([entryFor([completed])], [], [failure(completed, 'GAVE_UP', { status: 503 })])).toMatchObject({ lost: 1, failedWithReason: 0 });
    expect(run([entryFor([completed])], [], [failure(completed, 'HUBSPOT_FORBIDDEN', null)])).toMatchObject({ lost: 1, failedWithReason: 0 });
  });

  it('counts a failure under a retryable code as failed for a transient reason', () => {
    const counts = run([entryFor([completed])], [], [failure(completed, 'RETRIES_EXHAUSTED', { lastCode: 'HUBSPOT_UNAVAILABLE' }), failure(completed, 'HUBSPOT_UNAVAILABLE', { status: 503 })]);
    expect(counts).toMatchObject({ failedTransient: 2, unexpectedFailed: 1, lost: 0 });
    expect(run([entryFor([completed])], [], [failure(completed, 'HUBSPOT_INVALID_EMAIL', { email: completed.email })]).failedTransient).toBe(0);
  });

  it('counts a partial where completed was expected as a stale overwrite', () => {
    expect(run([entryFor([partial, completed])], [contactOf(partial)]).staleOverwrite).toBe(1);
  });

  it('counts the older completed snapshot where the newer was expected as a stale overwrite', () => {
    expect(run([entryFor([newer, completed])], [contactOf(completed)])).toMatchObject({ staleOverwrite: 1, wrong: 0 });
  });

  it('counts a contact showing an older completion time as stale even if it matches no snapshot exactly', () => {
    const contact = contactOf(newer, HUB, { jc_completed_at: '2020-01-01T00:00:00.000Z' });
    expect(run([entryFor([newer])], [contact])).toMatchObject({ staleOverwrite: 1, wrong: 0 });
  });

  it('counts one differing field as wrong', () => {
    const counts = run([entryFor([completed])], [contactOf(completed, HUB, { jc_disc_i: '51' })]);
    expect(counts).toMatchObject({ wrong: 1, staleOverwrite: 0, matched: 0 });
  });

  it('checks every jc_* field and the email', () => {
    const entry = entryFor([completed]);
    for (const field of Object.keys(entry.fields)) {
      const contact = contactOf(completed, HUB, { [field]: `${entry.fields[field]}x` });
      const counts = run([entry], [contact]);
      // A damaged status reads as "not completed", i.e. stale; every other field as wrong.
      expect(counts.wrong + counts.staleOverwrite + counts.unexpected, field).toBe(1);
      expect(counts.matched, field).toBe(0);
    }
    expect(Object.keys(entry.fields)).toHaveLength(18);
  });

  it('counts a value cleared by mistake as wrong', () => {
    const contact = contactOf(completed);
    delete contact.properties.jc_iq_score;
    expect(run([entryFor([completed])], [contact]).wrong).toBe(1);
  });

  it('counts a mixed-case stored email as wrong (HubSpot matches exactly)', () => {
    const contact = contactOf(completed);
    contact.email = contact.email.toUpperCase();
    expect(run([entryFor([completed])], [contact])).toMatchObject({ wrong: 1, duplicate: 0, lost: 0 });
  });

  it('counts two contacts for one email in one portal as a duplicate', () => {
    const counts = run([entryFor([completed])], [contactOf(completed), contactOf(completed)]);
    expect(counts).toMatchObject({ duplicate: 1, matched: 1 });
  });

  it('does not count the same email in two portals as a duplicate', () => {
    const other = completedInvite('org-b', 1);
    const counts = run([entryFor([completed]), entryFor([other], { hubId: 2002, orgId: 'org-b' })], [contactOf(completed), contactOf(other, 2002)]);
    expect(counts).toMatchObject({ duplicate: 0, matched: 2 });
  });

  it('sees a write that reached the wrong portal', () => {
    const other = completedInvite('org-b', 1);
    // org-b's values landed in org-a's portal.
    const counts = run([entryFor([completed]), entryFor([other], { hubId: 2002, orgId: 'org-b' })], [contactOf(other, HUB), contactOf(other, 2002)]);
    expect(counts.wrong).toBe(1);
  });

  it('counts a contact no candidate explains as unexpected', () => {
    expect(run([], [contactOf(completed)]).unexpected).toBe(1);
  });

  it('expects an invalid email as failed with a reason, and counts it lost when it is not', () => {
    const invalid = completedInvite(ORG, 9, { email: 'x.9@example.con' });
    const entry = entryFor([invalid], { invalid: true });
    expect(entry.outcome).toBe('failed');
    const reason = failure(invalid, 'HUBSPOT_INVALID_EMAIL', { email: 'x.9@example.con', hubspotMessage: 'Email address x.9@example.con is invalid' });
    expect(run([entry], [], [reason])).toMatchObject({ lost: 0, failedWithReason: 1, expectedFailed: 1, unexpectedFailed: 0, failedTransient: 0 });
    expect(run([entry], []).lost).toBe(1);
  });

  it('counts an invalid email that HubSpot holds anyway as unexpected', () => {
    const invalid = completedInvite(ORG, 9, { email: 'x.9@example.con' });
    const reason = failure(invalid, 'HUBSPOT_INVALID_EMAIL', { email: 'x.9@example.con' });
    expect(run([entryFor([invalid], { invalid: true })], [contactOf(invalid)], [reason]).unexpected).toBe(1);
  });

  it('matches failures by normalised email', () => {
    const invalid = completedInvite(ORG, 9, { email: ' X.9@Example.CON ' });
    const reason = { ...failure(invalid, 'HUBSPOT_INVALID_EMAIL', { email: 'x.9@example.con' }), email: 'x.9@example.con' };
    expect(run([entryFor([invalid], { invalid: true })], [], [reason]).lost).toBe(0);
  });

  it('counts each kind once per candidate and keeps the first issues for the report', () => {
    const verdict = verify({
      expected: [entryFor([completed]), entryFor([completedInvite(ORG, 2)])],
      contacts: [contactOf(completed, HUB, { jc_disc_i: '1' })],
      failures: [],
      maxIssues: 1,
    });
    expect(verdict.counts).toMatchObject({ wrong: 1, lost: 1 });
    expect(verdict.issues).toHaveLength(1);
  });
});

describe('error budget', () => {
  const ok: LoggedRequest = { route: 'contacts.batchUpsert', status: 200, hubId: HUB, at: 10 };

  it('separates injected faults, disruptions and our own errors', () => {
    const requests: LoggedRequest[] = [
      ...Array.from({ length: 90 }, () => ok),
      { ...ok, status: 503, fault: '503' },
      { ...ok, status: 0, fault: 'timeout' },
      { ...ok, status: 429, fault: '429' },
      { ...ok, status: 401 },
      { route: 'oauth.token', status: 400, at: 10 },
      { ...ok, status: 400, at: 15 },
      { ...ok, status: 400, invalidEmailInBody: true },
      { ...ok, status: 429 },
      { route: 'properties.create', status: 409, hubId: HUB, at: 16 },
      { ...ok, status: 400, at: 99 },
    ];
    const summary = summarizeErrors(requests, [{ hubId: HUB, from: 12, to: 20 }]);
    expect(summary.byCause).toEqual({
      'injected-fault': 3,
      'token-revoked': 1,
      'refresh-refused': 1,
      'property-deleted': 1,
      'property-deleted-resent': 0,
      validation: 1,
      'rate-limited': 1,
      conflict: 1,
      other: 1,
    });
    expect(summary).toMatchObject({ requests: 100, errors: 10, nonFaultErrors: 7, ownErrors: 4 });
    expect(summary.errorRatio).toBeCloseTo(0.1);
    expect(summary.ownRatio).toBeCloseTo(0.04);
    expect(summary.withinBudget).toBe(true);
  });

  it('fails the budget above 5 % own errors', () => {
    const requests = [...Array.from({ length: 94 }, () => ok), ...Array.from({ length: 6 }, () => ({ ...ok, status: 429 }))];
    expect(summarizeErrors(requests).withinBudget).toBe(false);
  });

  it('blames a deleted-property 400 on the kit when it was sent after HubSpot had already refused one', () => {
    const window = { hubId: HUB, from: 10, to: 100 };
    const requests: LoggedRequest[] = [
      { ...ok, status: 400, at: 20, sentAt: 12 },
      // In flight before the first refusal came back: unavoidable.
      { ...ok, status: 400, at: 22, sentAt: 15 },
      // Sent after it: the kit knew.
      { ...ok, status: 400, at: 40, sentAt: 30 },
      { ...ok, status: 400, at: 41, sentAt: 31 },
    ];
    const summary = summarizeErrors(requests, [window]);
    expect(summary.byCause['property-deleted']).toBe(2);
    expect(summary.byCause['property-deleted-resent']).toBe(2);
    expect(summary.ownErrors).toBe(2);
  });

  it('does not blame a 400 outside the deletion window on the deletion', () => {
    expect(classifyRequest({ ...ok, status: 400, at: 5 }, [{ hubId: HUB, from: 12, to: 20 }])).toBe('other');
    expect(classifyRequest({ ...ok, status: 400, at: 15, hubId: 2002 }, [{ hubId: HUB, from: 12, to: 20 }])).toBe('other');
  });
});
