import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UUID, createJcProperties, startHarness, type Harness } from './test-support/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await createJcProperties(h);
});
afterEach(async () => {
  await h.close();
});

const UPSERT = '/crm/v3/objects/contacts/batch/upsert';
const input = (email: string, properties: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({ id: email, idProperty: 'email', properties: { email, ...properties }, ...extra });

describe('batch upsert: success', () => {
  it('creates (new:true) then updates (new:false), with the documented response shape', async () => {
    const created = await h.call('POST', UPSERT, { body: { inputs: [input('ada@example.com', { jc_disc_d: '72', jc_test_status: 'completed' }, { objectWriteTraceId: 't-1' })] } });
    expect(created.status).toBe(200);
    expect(Object.keys(created.body).sort()).toEqual(['completedAt', 'results', 'startedAt', 'status']);
    expect(created.body.status).toBe('COMPLETE');
    expect(created.body.results).toEqual([
      {
        id: '101',
        properties: {
          createdate: '2026-05-17T12:00:00.000Z',
          email: 'ada@example.com',
          hs_object_id: '101',
          jc_disc_d: '72',
          jc_test_status: 'completed',
          lastmodifieddate: '2026-05-17T12:00:00.000Z',
        },
        createdAt: '2026-05-17T12:00:00.000Z',
        updatedAt: '2026-05-17T12:00:00.000Z',
        archived: false,
        new: true,
        objectWriteTraceId: 't-1',
      },
    ]);
    h.clock.advance(5000);
    const updated = await h.call('POST', UPSERT, { body: { inputs: [input('ada@example.com', { jc_mbti_type: 'INTJ' })] } });
    expect(updated.body.results[0]).toMatchObject({ id: '101', new: false, updatedAt: '2026-05-17T12:00:05.000Z', createdAt: '2026-05-17T12:00:00.000Z' });
    expect(updated.body.results[0].properties).toEqual({
      createdate: '2026-05-17T12:00:00.000Z',
      email: 'ada@example.com',
      hs_object_id: '101',
      jc_mbti_type: 'INTJ',
      lastmodifieddate: '2026-05-17T12:00:05.000Z',
    });
    // only the sent properties were touched
    expect(h.emulator.contact(1001, 'ada@example.com')?.properties).toMatchObject({ jc_disc_d: '72', jc_test_status: 'completed', jc_mbti_type: 'INTJ' });
    expect(h.emulator.counters().portals['1001']).toMatchObject({ contactsCreated: 1, contactsUpdated: 1 });
  });

  it('stores the email lowercased and matches a mixed-case id to it', async () => {
    await h.call('POST', UPSERT, { body: { inputs: [input('Ada.Lovelace@Example.COM')] } });
    const again = await h.call('POST', UPSERT, { body: { inputs: [input('ada.lovelace@example.com', { jc_disc_d: '1' })] } });
    expect(again.body.results[0].new).toBe(false);
    expect(h.emulator.contacts(1001).map((c) => c.email)).toEqual(['ada.lovelace@example.com']);
  });

  it('strict email matching creates a second contact for a different case (surfacing client bugs)', async () => {
    await h.close();
    h = await startHarness({ contacts: { emailMatching: 'strict' } });
    await h.call('POST', UPSERT, { body: { inputs: [input('Ada@example.com')] } });
    const again = await h.call('POST', UPSERT, { body: { inputs: [input('ada@example.com')] } });
    expect(again.body.results[0].new).toBe(true);
    expect(h.emulator.contacts(1001)).toHaveLength(2);
  });

  it('"" clears a value; JSON numbers are stored as strings; empty values are omitted', async () => {
    await h.call('POST', UPSERT, { body: { inputs: [input('ada@example.com', { jc_disc_d: 72.5, jc_mbti_type: 'INTJ' })] } });
    expect(h.emulator.contact(1001, 'ada@example.com')?.properties.jc_disc_d).toBe('72.5');
    const cleared = await h.call('POST', UPSERT, { body: { inputs: [input('ada@example.com', { jc_mbti_type: '' })] } });
    expect(cleared.body.results[0].properties).not.toHaveProperty('jc_mbti_type');
    const read = await h.call('GET', '/crm/v3/objects/contacts/ada@example.com?idProperty=email&properties=jc_mbti_type,jc_disc_d');
    expect(read.body.properties).toEqual({ createdate: expect.any(String), hs_object_id: '101', lastmodifieddate: expect.any(String), jc_disc_d: '72.5' });
  });

  it('returns results in a shuffled (seeded) order, never input order; shuffling can be turned off', async () => {
    const emails = Array.from({ length: 20 }, (_, i) => `person${i}@example.com`);
    const res = await h.call('POST', UPSERT, { body: { inputs: emails.map((email) => input(email)) } });
    const order = res.body.results.map((r: { properties: { email: string } }) => r.properties.email);
    expect(order).not.toEqual(emails);
    expect([...order].sort()).toEqual([...emails].sort());
    const two = await h.call('POST', UPSERT, { body: { inputs: [input('x1@example.com'), input('x2@example.com')] } });
    expect(two.body.results.map((r: { properties: { email: string } }) => r.properties.email)).toEqual(['x2@example.com', 'x1@example.com']);

    const again = await startHarness({ seed: 'test' });
    await createJcProperties(again);
    const same = await again.call('POST', UPSERT, { body: { inputs: emails.map((email) => input(email)) } });
    expect(same.body.results.map((r: { properties: { email: string } }) => r.properties.email)).toEqual(order);
    await again.close();

    const ordered = await startHarness({ contacts: { shuffleResults: false } });
    await createJcProperties(ordered);
    const inOrder = await ordered.call('POST', UPSERT, { body: { inputs: emails.map((email) => input(email)) } });
    expect(inOrder.body.results.map((r: { properties: { email: string } }) => r.properties.email)).toEqual(emails);
    await ordered.close();
  });

  it('accepts ISO 8601 and epoch-ms datetimes', async () => {
    const res = await h.call('POST', UPSERT, { body: { inputs: [input('a@example.com', { jc_completed_at: '2026-05-17T14:32:00.000Z' }), input('b@example.com', { jc_completed_at: '1779028320000' })] } });
    expect(res.status).toBe(200);
  });

  it('accepts exactly 100 inputs', async () => {
    const res = await h.call('POST', UPSERT, { body: { inputs: Array.from({ length: 100 }, (_, i) => input(`p${i}@example.com`)) } });
    expect(res.status).toBe(200);
    expect(res.body.results).toHaveLength(100);
  });
});

describe('batch upsert: request-level errors', () => {
  it('101 inputs → 400 and nothing written', async () => {
    const res = await h.call('POST', UPSERT, { body: { inputs: Array.from({ length: 101 }, (_, i) => input(`p${i}@example.com`)) } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', correlationId: expect.stringMatching(UUID) });
    expect(res.body.message).toContain('101');
    expect(h.emulator.contacts(1001)).toHaveLength(0);
  });

  it('0 inputs or no inputs → 400', async () => {
    expect((await h.call('POST', UPSERT, { body: { inputs: [] } })).status).toBe(400);
    const missing = await h.call('POST', UPSERT, { body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain('some of required attributes are not set [inputs]');
  });

  it('an input without id or properties → 400', async () => {
    const res = await h.call('POST', UPSERT, { body: { inputs: [{ idProperty: 'email', properties: {} }] } });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('[id]');
  });

  it('duplicate ids after lowercasing → 400 with the exact body, nothing written', async () => {
    const res = await h.call('POST', UPSERT, {
      body: { inputs: [input('Ada@Example.com', {}, { objectWriteTraceId: 'a' }), input('bob@example.com', {}, { objectWriteTraceId: 'b' }), input('ada@example.com', {}, { objectWriteTraceId: 'c' })] },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      status: 'error',
      message: 'Duplicate IDs found in batch input: [ada@example.com]. IDs must be unique',
      correlationId: expect.stringMatching(UUID),
      context: { ids: ['ada@example.com'] },
      category: 'VALIDATION_ERROR',
    });
    expect(h.emulator.contacts(1001)).toHaveLength(0);
  });

  it('idProperty other than email → "non-unique 0-1 property"; the legacy toggle refuses email too', async () => {
    const res = await h.call('POST', UPSERT, { body: { inputs: [{ id: 'inv_1', idProperty: 'jc_invitation_id', properties: {} }] } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ category: 'VALIDATION_ERROR', message: 'Unable to perform update/upsert by non-unique 0-1 property jc_invitation_id' });
    await h.close();
    h = await startHarness({ contacts: { legacyEmailUpsert: true } });
    const legacy = await h.call('POST', UPSERT, { body: { inputs: [input('ada@example.com')] } });
    expect(legacy.status).toBe(400);
    expect(legacy.body.message).toBe('Unable to perform update/upsert by non-unique 0-1 property email');
  });

  it('upsert by record id (no idProperty) updates, and a missing record fails the batch', async () => {
    await h.call('POST', UPSERT, { body: { inputs: [input('ada@example.com')] } });
    const ok = await h.call('POST', UPSERT, { body: { inputs: [{ id: '101', properties: { jc_disc_d: '5' } }] } });
    expect(ok.body.results[0]).toMatchObject({ id: '101', new: false });
    const missing = await h.call('POST', UPSERT, { body: { inputs: [{ id: '999', properties: { jc_disc_d: '5' } }] } });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ category: 'OBJECT_NOT_FOUND', context: { ids: ['999'] } });
  });

  it('malformed JSON → 400 "Invalid input JSON on line L, column C"', async () => {
    const res = await h.call('POST', UPSERT, { raw: '{"inputs": [\n  {"id": "a@b.com",}\n]}' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', correlationId: expect.stringMatching(UUID) });
    expect(res.body.message).toBe("Invalid input JSON on line 2, column 20: Unexpected character ('}' (code 125)): was expecting double-quote to start field name");
  });
});

describe('batch upsert: value validation (all inputs checked before any write)', () => {
  async function rejected(properties: Record<string, unknown>, id = 'ok@example.com') {
    const before = h.emulator.contacts(1001).length;
    const res = await h.call('POST', UPSERT, { body: { inputs: [input('good@example.com', { jc_disc_d: '50' }), { id, idProperty: 'email', properties }] } });
    expect(res.status).toBe(400);
    expect(h.emulator.contacts(1001)).toHaveLength(before); // the valid input was not written either
    return res.body;
  }

  it('PROPERTY_DOESNT_EXIST with the JSON array embedded in the message', async () => {
    const body = await rejected({ testproperty: 'x' });
    expect(body).toEqual({
      status: 'error',
      message:
        'Property values were not valid: [{"isValid":false,"message":"Property \\"testproperty\\" does not exist","error":"PROPERTY_DOESNT_EXIST","name":"testproperty","localizedErrorMessage":"Property \\"testproperty\\" does not exist","portalId":1001}]',
      correlationId: expect.stringMatching(UUID),
      errors: [{ message: 'Property "testproperty" does not exist', code: 'PROPERTY_DOESNT_EXIST', context: { propertyName: ['testproperty'] } }],
      category: 'VALIDATION_ERROR',
    });
  });

  it('INVALID_OPTION lists the allowed options', async () => {
    const body = await rejected({ jc_test_status: 'done' });
    expect(body.errors).toEqual([{ message: 'done was not one of the allowed options: [invited, in_progress, completed, expired]', code: 'INVALID_OPTION', context: { propertyName: ['jc_test_status'] } }]);
  });

  it('INVALID_LONG for a garbage datetime', async () => {
    const body = await rejected({ jc_completed_at: 'yesterday' });
    expect(body.errors[0]).toMatchObject({ code: 'INVALID_LONG', message: 'yesterday was not a valid long.' });
  });

  it('a date property must be midnight UTC', async () => {
    await h.call('POST', '/crm/v3/properties/contacts', { body: { name: 'jc_day', label: 'Day', type: 'date', fieldType: 'date', groupName: 'jobcannon_assessments' } });
    expect((await h.call('POST', UPSERT, { body: { inputs: [input('a@example.com', { jc_day: '2026-05-17' })] } })).status).toBe(200);
    const body = await rejected({ jc_day: '2026-05-17T14:32:00Z' });
    expect(body.errors[0]).toMatchObject({ code: 'INVALID_DATE', message: '2026-05-17T14:32:00Z is at 14:32:00.000 UTC, not midnight!' });
  });

  it('number given text → INVALID_NUMBER (configurable code)', async () => {
    const body = await rejected({ jc_disc_d: 'seventy' });
    expect(body.errors[0]).toMatchObject({ code: 'INVALID_NUMBER', message: 'seventy was not a valid number.' });
    await h.close();
    h = await startHarness({ contacts: { numberErrorCode: 'INVALID_DOUBLE' } });
    await createJcProperties(h);
    const res = await h.call('POST', UPSERT, { body: { inputs: [input('a@example.com', { jc_disc_d: '7O' })] } });
    expect(res.body.errors[0].code).toBe('INVALID_DOUBLE');
  });

  it.each(['name@domain.con', 'name@domain.cpm', 'name@domain.ik', 'ada@example.com ', 'not-an-email'])('INVALID_EMAIL for id %j', async (email) => {
    const body = await rejected({}, email);
    expect(body.errors[0]).toEqual({ message: `Email address ${email} is invalid`, code: 'INVALID_EMAIL', context: { propertyName: ['email'] } });
    expect(body.message).toContain('"error":"INVALID_EMAIL","name":"email"');
  });

  it('read-only properties cannot be written', async () => {
    const body = await rejected({ hs_object_id: '5', lastmodifieddate: '1' });
    expect(body.errors.map((e: { code: string }) => e.code)).toEqual(['READ_ONLY_VALUE', 'READ_ONLY_VALUE']);
    expect(body.errors.map((e: { context: { propertyName: string[] } }) => e.context.propertyName[0])).toEqual(['hs_object_id', 'lastmodifieddate']);
  });

  it('reports the problems of every invalid input by default, only the first with validationErrors: first-input', async () => {
    const inputs = [input('a@example.com', { jc_disc_d: 'x' }), input('b@example.com', { jc_test_status: 'nope' })];
    const all = await h.call('POST', UPSERT, { body: { inputs } });
    expect(all.body.errors.map((e: { code: string }) => e.code)).toEqual(['INVALID_NUMBER', 'INVALID_OPTION']);
    await h.close();
    h = await startHarness({ contacts: { validationErrors: 'first-input' } });
    await createJcProperties(h);
    const first = await h.call('POST', UPSERT, { body: { inputs } });
    expect(first.body.errors.map((e: { code: string }) => e.code)).toEqual(['INVALID_NUMBER']);
  });
});

describe('batch upsert: multi-status mode', () => {
  beforeEach(async () => {
    await h.close();
    h = await startHarness({ contacts: { upsertMode: 'multi-status', shuffleResults: false } });
    await createJcProperties(h);
  });

  it('with unique trace ids: 207, valid inputs written, errors carry context.objectWriteTraceId', async () => {
    const res = await h.call('POST', UPSERT, {
      body: { inputs: [input('a@example.com', { jc_disc_d: '1' }, { objectWriteTraceId: 't-a' }), input('b@example.con', {}, { objectWriteTraceId: 't-b' }), input('c@example.com', { jc_test_status: 'x' }, { objectWriteTraceId: 't-c' })] },
    });
    expect(res.status).toBe(207);
    expect(res.body.numErrors).toBe(2);
    expect(res.body.results.map((r: { objectWriteTraceId: string }) => r.objectWriteTraceId)).toEqual(['t-a']);
    expect(res.body.errors[0]).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', context: { objectWriteTraceId: ['t-b'] } });
    expect(res.body.errors[0].errors[0].code).toBe('INVALID_EMAIL');
    expect(res.body.errors[1].context).toEqual({ objectWriteTraceId: ['t-c'] });
    expect(h.emulator.contacts(1001).map((c) => c.email)).toEqual(['a@example.com']);
  });

  it('without unique trace ids it falls back to the all-or-nothing 400', async () => {
    const res = await h.call('POST', UPSERT, { body: { inputs: [input('a@example.com'), input('b@example.con')] } });
    expect(res.status).toBe(400);
    expect(h.emulator.contacts(1001)).toHaveLength(0);
  });
});

describe('other contact endpoints', () => {
  it('POST /contacts creates (201) and 409 CONFLICT for an existing email', async () => {
    const created = await h.call('POST', '/crm/v3/objects/contacts', { body: { properties: { email: 'Ada@Example.com', firstname: 'Ada' } } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: '101', archived: false, properties: { email: 'ada@example.com', firstname: 'Ada', hs_object_id: '101' } });
    const conflict = await h.call('POST', '/crm/v3/objects/contacts', { body: { properties: { email: 'ada@example.com' } } });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toEqual({ status: 'error', message: 'Contact already exists. Existing ID: 101', correlationId: expect.stringMatching(UUID), category: 'CONFLICT' });
  });

  it('GET by id and by email with properties=; unknown → 404', async () => {
    await h.call('POST', UPSERT, { body: { inputs: [input('ada@example.com', { jc_disc_d: '72', jc_mbti_type: 'INTJ' })] } });
    const byId = await h.call('GET', '/crm/v3/objects/contacts/101');
    expect(byId.body.properties).toEqual({ createdate: expect.any(String), email: 'ada@example.com', hs_object_id: '101', lastmodifieddate: expect.any(String) });
    const byEmail = await h.call('GET', '/crm/v3/objects/contacts/ADA@example.com?idProperty=email&properties=jc_disc_d&properties=jc_mbti_type');
    expect(byEmail.body).toMatchObject({ id: '101', properties: { jc_disc_d: '72', jc_mbti_type: 'INTJ' } });
    const missing = await h.call('GET', '/crm/v3/objects/contacts/nobody@example.com?idProperty=email');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ category: 'OBJECT_NOT_FOUND', context: { id: ['nobody@example.com'] } });
  });

  it('batch read by email: 200, or 207 naming the missing ids', async () => {
    await h.call('POST', UPSERT, { body: { inputs: [input('a@example.com', { jc_disc_d: '1' }), input('b@example.com', { jc_disc_d: '2' })] } });
    const res = await h.call('POST', '/crm/v3/objects/contacts/batch/read', { body: { idProperty: 'email', properties: ['jc_disc_d'], inputs: [{ id: 'a@example.com' }, { id: 'b@example.com' }] } });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { properties: { jc_disc_d: string } }) => r.properties.jc_disc_d).sort()).toEqual(['1', '2']);
    const partial = await h.call('POST', '/crm/v3/objects/contacts/batch/read', { body: { idProperty: 'email', inputs: [{ id: 'a@example.com' }, { id: 'zz@example.com' }] } });
    expect(partial.status).toBe(207);
    expect(partial.body.errors[0].context.ids).toEqual(['zz@example.com']);
  });

  it('search: EQ on email (case-insensitive), OR across groups, no rate-limit headers', async () => {
    await h.call('POST', UPSERT, { body: { inputs: [input('a@example.com', { jc_test_status: 'completed' }), input('b@example.com', { jc_test_status: 'invited' }), input('c@example.com')] } });
    const res = await h.call('POST', '/crm/v3/objects/contacts/search', {
      body: { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'A@example.com' }] }, { filters: [{ propertyName: 'jc_test_status', operator: 'EQ', value: 'invited' }] }], properties: ['jc_test_status'] },
    });
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(2);
    expect(res.body.results.map((r: { properties: { jc_test_status: string } }) => r.properties.jc_test_status).sort()).toEqual(['completed', 'invited']);
    expect(res.headers.get('x-hubspot-ratelimit-max')).toBeNull();
    const has = await h.call('POST', '/crm/v3/objects/contacts/search', { body: { filterGroups: [{ filters: [{ propertyName: 'jc_test_status', operator: 'NOT_HAS_PROPERTY' }] }] } });
    expect(has.body.results.map((r: { properties: { email: string } }) => r.properties.email)).toEqual(['c@example.com']);
    const bad = await h.call('POST', '/crm/v3/objects/contacts/search', { body: { filterGroups: [{ filters: [{ propertyName: 'nope', operator: 'EQ', value: 'x' }] }] } });
    expect(bad.status).toBe(400);
  });

  it('PATCH updates, DELETE archives (204), archived contacts are gone and a new upsert creates again', async () => {
    await h.call('POST', UPSERT, { body: { inputs: [input('ada@example.com')] } });
    const patched = await h.call('PATCH', '/crm/v3/objects/contacts/ada@example.com?idProperty=email', { body: { properties: { jc_disc_d: '9' } } });
    expect(patched.body.properties.jc_disc_d).toBe('9');
    expect((await h.call('DELETE', '/crm/v3/objects/contacts/101')).status).toBe(204);
    expect((await h.call('GET', '/crm/v3/objects/contacts/101')).status).toBe(404);
    const again = await h.call('POST', UPSERT, { body: { inputs: [input('ada@example.com')] } });
    expect(again.body.results[0]).toMatchObject({ id: '102', new: true });
  });

  it('lists contacts with paging', async () => {
    await h.call('POST', UPSERT, { body: { inputs: [input('a@example.com'), input('b@example.com'), input('c@example.com')] } });
    const first = await h.call('GET', '/crm/v3/objects/contacts?limit=2');
    expect(first.body.results).toHaveLength(2);
    expect(first.body.paging.next.after).toBe('102');
    const second = await h.call('GET', `/crm/v3/objects/contacts?limit=2&after=${first.body.paging.next.after}`);
    expect(second.body.results.map((r: { id: string }) => r.id)).toEqual(['103']);
    expect(second.body.paging).toBeUndefined();
  });
});

describe('scopes', () => {
  it('403 MISSING_SCOPES with the exact body when a token lacks the write scope', async () => {
    const readOnly = h.emulator.issueTokens({ hubId: 1001, scopes: ['oauth', 'crm.objects.contacts.read'] });
    const res = await h.call('POST', UPSERT, { token: readOnly.accessToken, body: { inputs: [input('a@example.com')] } });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      status: 'error',
      message: "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
      correlationId: expect.stringMatching(UUID),
      errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: ['crm.objects.contacts.write'] } }],
      links: { scopes: 'https://developers.hubspot.com/scopes' },
      category: 'MISSING_SCOPES',
    });
    expect(res.headers.get('x-hubspot-ratelimit-max')).toBe('110');
    // property reads accept crm.objects.contacts.read; property writes need the schema scope
    expect((await h.call('GET', '/crm/v3/properties/contacts', { token: readOnly.accessToken })).status).toBe(200);
    const write = await h.call('POST', '/crm/v3/properties/contacts/groups', { token: readOnly.accessToken, body: { name: 'g', label: 'G' } });
    expect(write.status).toBe(403);
    expect(write.body.errors[0].context.requiredGranularScopes).toEqual(['crm.schemas.contacts.write']);
    const schemaOnly = h.emulator.issueTokens({ hubId: 1001, scopes: ['crm.schemas.contacts.read'] });
    expect((await h.call('GET', '/crm/v3/properties/contacts/email', { token: schemaOnly.accessToken })).status).toBe(200);
    expect((await h.call('GET', '/crm/v3/objects/contacts/101', { token: schemaOnly.accessToken })).status).toBe(403);
  });
});
