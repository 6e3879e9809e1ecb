import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type CallResult, type Harness } from './test-support/harness.js';

// A JobCannon-sized run: 17 properties bootstrapped, 10,000 contacts upserted in 100 batches, read
// back, then updated in an unpaced burst that hits the limit. The client paces itself against the
// emulator's manual clock, so crossing a 10 s window costs nothing in real time.

const WINDOW_MS = 10_000;
const MAX = 110;
const UPSERT = '/crm/v3/objects/contacts/batch/upsert';

const JC_PROPERTIES = [
  ...['disc_d', 'disc_i', 'disc_s', 'disc_c', 'bigfive_o', 'bigfive_c', 'bigfive_e', 'bigfive_a', 'bigfive_n', 'iq_score', 'integrity_score'].map((name) => ({ name: `jc_${name}`, type: 'number', fieldType: 'number' })),
  { name: 'jc_mbti_type', type: 'string', fieldType: 'text' },
  { name: 'jc_riasec_holland', type: 'string', fieldType: 'text' },
  { name: 'jc_test_status', type: 'enumeration', fieldType: 'select', options: ['invited', 'in_progress', 'completed', 'expired'].map((value) => ({ label: value, value })) },
  { name: 'jc_result_url', type: 'string', fieldType: 'text' },
  { name: 'jc_completed_at', type: 'datetime', fieldType: 'date' },
  { name: 'jc_invitation_id', type: 'string', fieldType: 'text' },
].map((property) => ({ ...property, label: property.name, groupName: 'jobcannon_assessments' }));

const email = (i: number): string => `candidate${i}@example.com`;

function properties(i: number, status: string): Record<string, string> {
  const values: Record<string, string> = { email: email(i), jc_test_status: status, jc_invitation_id: `inv_${i}`, jc_result_url: `https://app.jobcannon.io/business/dashboard/invites/inv_${i}` };
  for (const property of JC_PROPERTIES) if (property.type === 'number') values[property.name] = String((i * 7 + property.name.length) % 101);
  values.jc_mbti_type = 'INTJ';
  values.jc_riasec_holland = 'IAS';
  values.jc_completed_at = status === 'completed' ? '2026-05-17T14:32:00.000Z' : '';
  return values;
}

let h: Harness;
/** The client's own view of the rolling window: timestamps of requests it sent. */
const sent: number[] = [];
let clockAdvances = 0;

async function paced(method: string, path: string, body?: unknown): Promise<CallResult> {
  const inWindow = (): number[] => sent.filter((t) => t > h.clock.now() - WINDOW_MS);
  const recent = inWindow();
  if (recent.length >= MAX) {
    h.clock.advance((recent[0] ?? 0) + WINDOW_MS - h.clock.now());
    clockAdvances++;
  }
  sent.push(h.clock.now());
  return h.call(method, path, body === undefined ? {} : { body });
}

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

describe('10,000 contacts at the default limit', () => {
  it('bootstraps, upserts 100 batches of 100, reads them back, then bursts past the limit, and the counters add up', async () => {
    const started = Date.now();
    // Phase 1, paced: 1 group + 17 properties + 100 upserts + 100 batch reads = 218 calls, no 429.
    expect((await paced('POST', '/crm/v3/properties/contacts/groups', { name: 'jobcannon_assessments', label: 'JobCannon Assessments' })).status).toBe(201);
    for (const property of JC_PROPERTIES) expect((await paced('POST', '/crm/v3/properties/contacts', property)).status).toBe(201);
    for (let batch = 0; batch < 100; batch++) {
      const inputs = Array.from({ length: 100 }, (_, j) => {
        const i = batch * 100 + j;
        return { id: email(i), idProperty: 'email', objectWriteTraceId: `inv_${i}`, properties: properties(i, 'in_progress') };
      });
      const res = await paced('POST', UPSERT, { inputs });
      expect(res.status).toBe(200);
      expect(res.body.results).toHaveLength(100);
      expect(res.body.results.every((r: { new: boolean }) => r.new)).toBe(true);
    }
    for (let batch = 0; batch < 100; batch++) {
      const inputs = Array.from({ length: 100 }, (_, j) => ({ id: email(batch * 100 + j) }));
      const res = await paced('POST', '/crm/v3/objects/contacts/batch/read', { idProperty: 'email', properties: ['jc_invitation_id', 'jc_test_status'], inputs });
      expect(res.status).toBe(200);
      expect(res.body.results.every((r: { properties: { jc_test_status: string } }) => r.properties.jc_test_status === 'in_progress')).toBe(true);
    }
    expect(clockAdvances).toBeGreaterThanOrEqual(1);
    let counters = h.emulator.counters().portals['1001'];
    expect(counters).toMatchObject({ requests: 218, errors: 0, rateLimited: 0, contactsCreated: 10_000, contactsUpdated: 0 });

    // Phase 2, unpaced burst in a fresh window: 100 update upserts + 20 reads → the last 10 reads get 429.
    h.clock.advance(WINDOW_MS);
    const burst: CallResult[] = [];
    for (let batch = 0; batch < 100; batch++) {
      const inputs = Array.from({ length: 100 }, (_, j) => ({ id: email(batch * 100 + j), idProperty: 'email', properties: properties(batch * 100 + j, 'completed') }));
      burst.push(await h.call('POST', UPSERT, { body: { inputs } }));
    }
    const readBatch = (batch: number) => ({ idProperty: 'email', inputs: Array.from({ length: 100 }, (_, j) => ({ id: email(batch * 100 + j) })), properties: ['jc_test_status'] });
    const reads: CallResult[] = [];
    for (let batch = 0; batch < 20; batch++) reads.push(await h.call('POST', '/crm/v3/objects/contacts/batch/read', { body: readBatch(batch) }));
    expect(burst.every((r) => r.status === 200)).toBe(true);
    expect(reads.map((r) => r.status)).toEqual([...Array<number>(10).fill(200), ...Array<number>(10).fill(429)]);
    expect(reads[10]?.body.policyName).toBe('TEN_SECONDLY_ROLLING');

    // One bad batch (a typo TLD): rejected whole, nothing written.
    const bad = await h.call('POST', UPSERT, { body: { inputs: [{ id: 'typo@example.con', idProperty: 'email', properties: {} }] } });
    expect(bad.status).toBe(429); // still inside the exhausted window
    h.clock.advance(WINDOW_MS);
    expect((await h.call('POST', UPSERT, { body: { inputs: [{ id: 'typo@example.con', idProperty: 'email', properties: {} }] } })).status).toBe(400);
    for (let batch = 10; batch < 20; batch++) expect((await h.call('POST', '/crm/v3/objects/contacts/batch/read', { body: readBatch(batch) })).status).toBe(200);

    counters = h.emulator.counters().portals['1001'];
    // 218 + 120 burst + 1 refused bad batch + 1 bad batch + 10 retried reads
    expect(counters).toMatchObject({ requests: 350, rateLimited: 11, errors: 12, contactsCreated: 10_000, contactsUpdated: 10_000 });
    expect(counters?.byRoute['contacts.batchUpsert']).toMatchObject({ requests: 202, errors: 2, rateLimited: 1 });
    expect(counters?.byRoute['contacts.batchRead']).toMatchObject({ requests: 130, errors: 10, rateLimited: 10 });
    expect(counters?.errorRatio).toBeCloseTo(12 / 350);
    expect(h.emulator.counters().totals.requests).toBe(350);

    const contacts = h.emulator.contacts(1001);
    expect(contacts).toHaveLength(10_000);
    expect(h.emulator.contact(1001, email(4242))?.properties).toMatchObject({ jc_test_status: 'completed', jc_invitation_id: 'inv_4242', jc_completed_at: '2026-05-17T14:32:00.000Z' });
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
