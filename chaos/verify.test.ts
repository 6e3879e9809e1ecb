import { completedInvite, partialInvite } from '@jobcannon/hubspot-core/test-support';
import { describe, expect, it } from 'vitest';
import {
  classifyRequest,
  expectedEntry,
  expectedFields,
  summarizeErrors,
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
  const { email, ...fields } = { ...expectedFields(invite, BASE), ...overrides };
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
    const counts = run([entryFor([completed])], [], [{ orgId: ORG, email: completed.email, reason: 'Gave up after 6 attempts', errorCode: 'RETRIES_EXHAUSTED' }]);
    expect(counts).toMatchObject({ lost: 0, unexpectedFailed: 1, failedWithReason: 1 });
  });

  it('counts a failure without a reason as lost', () => {
    const counts = run([entryFor([completed])], [], [{ orgId: ORG, email: completed.email, reason: '  ', errorCode: 'X' }]);
    expect(counts).toMatchObject({ lost: 1, failedWithReason: 0 });
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
    const reason = { orgId: ORG, email: 'x.9@example.con', reason: 'HubSpot rejected the contact: Email address x.9@example.con is invalid', errorCode: 'VALIDATION_ERROR' };
    expect(run([entry], [], [reason])).toMatchObject({ lost: 0, failedWithReason: 1, expectedFailed: 1, unexpectedFailed: 0 });
    expect(run([entry], []).lost).toBe(1);
  });

  it('counts an invalid email that HubSpot holds anyway as unexpected', () => {
    const invalid = completedInvite(ORG, 9, { email: 'x.9@example.con' });
    const reason = { orgId: ORG, email: 'x.9@example.con', reason: 'invalid', errorCode: 'VALIDATION_ERROR' };
    expect(run([entryFor([invalid], { invalid: true })], [contactOf(invalid)], [reason]).unexpected).toBe(1);
  });

  it('matches failures by normalised email', () => {
    const invalid = completedInvite(ORG, 9, { email: ' X.9@Example.CON ' });
    const reason = { orgId: ORG, email: 'x.9@example.con', reason: 'invalid', errorCode: 'VALIDATION_ERROR' };
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
