import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UUID, startHarness, type Harness } from './test-support/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.close();
});

const GROUP = { name: 'jobcannon_assessments', label: 'JobCannon Assessments' };
const DISC = { name: 'jc_disc_d', label: 'JC DISC — Dominance', type: 'number', fieldType: 'number', groupName: GROUP.name };

async function createGroup() {
  return h.call('POST', '/crm/v3/properties/contacts/groups', { body: GROUP });
}

describe('seeded HubSpot-defined properties', () => {
  it('lists the defaults with hubspotDefined and read-only flags', async () => {
    const res = await h.call('GET', '/crm/v3/properties/contacts');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['results']); // no paging
    const byName = new Map<string, Record<string, unknown>>(res.body.results.map((p: { name: string }) => [p.name, p]));
    for (const name of ['email', 'firstname', 'lastname', 'createdate', 'lastmodifieddate', 'hs_object_id', 'hs_additional_emails']) {
      expect(byName.get(name)).toMatchObject({ hubspotDefined: true, groupName: 'contactinformation' });
    }
    expect(byName.get('hs_object_id')).toMatchObject({ modificationMetadata: { readOnlyValue: true, readOnlyDefinition: true, archivable: false } });
    expect(byName.get('email')).toMatchObject({ type: 'string', fieldType: 'text', options: [], modificationMetadata: { readOnlyValue: false } });
    expect(byName.get('email')).not.toHaveProperty('archived');
  });

  it.each(['contacts', 'contact', 'CONTACTS', 'Contact', '0-1'])('accepts object type %s', async (objectType) => {
    const res = await h.call('GET', `/crm/v3/properties/${objectType}/email`);
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('email');
  });

  it('refuses object types it does not emulate', async () => {
    const res = await h.call('GET', '/crm/v3/properties/widgets');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', message: 'Unable to infer object type from: widgets' });
  });

  it('cannot archive HubSpot-defined properties or groups', async () => {
    expect((await h.call('DELETE', '/crm/v3/properties/contacts/email')).status).toBe(400);
    expect((await h.call('DELETE', '/crm/v3/properties/contacts/groups/contactinformation')).status).toBe(400);
  });
});

describe('groups', () => {
  it('creates (201), reads, lists, updates label/displayOrder and archives', async () => {
    const created = await createGroup();
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ name: GROUP.name, label: GROUP.label, displayOrder: -1, archived: false });
    expect((await h.call('GET', `/crm/v3/properties/contacts/groups/${GROUP.name}`)).body).toEqual(created.body);
    const list = await h.call('GET', '/crm/v3/properties/contacts/groups');
    expect(list.body.results.map((g: { name: string }) => g.name)).toEqual(['contactinformation', GROUP.name]);
    const updated = await h.call('PATCH', `/crm/v3/properties/contacts/groups/${GROUP.name}`, { body: { label: 'JC', displayOrder: 3, name: 'ignored' } });
    expect(updated.body).toEqual({ name: GROUP.name, label: 'JC', displayOrder: 3, archived: false });
    expect((await h.call('DELETE', `/crm/v3/properties/contacts/groups/${GROUP.name}`)).status).toBe(204);
    expect((await h.call('GET', `/crm/v3/properties/contacts/groups/${GROUP.name}`)).status).toBe(404);
    expect((await h.call('GET', '/crm/v3/properties/contacts/groups')).body.results).toHaveLength(1);
  });

  it('409 for an active duplicate name', async () => {
    await createGroup();
    const res = await createGroup();
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      status: 'error',
      message: "A property group named 'jobcannon_assessments' already exists.",
      correlationId: expect.stringMatching(UUID),
      subCategory: 'PropertyGroupError.GROUP_ALREADY_EXISTS',
      category: 'OBJECT_ALREADY_EXISTS',
    });
  });

  it('requires name and label', async () => {
    const res = await h.call('POST', '/crm/v3/properties/contacts/groups', { body: { name: 'x' } });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('Cannot build PropertyGroupCreate, some of required attributes are not set [label]');
  });

  it('refuses to archive a group holding active properties (nested error body), allows it once they are archived', async () => {
    await createGroup();
    await h.call('POST', '/crm/v3/properties/contacts', { body: DISC });
    const refused = await h.call('DELETE', `/crm/v3/properties/contacts/groups/${GROUP.name}`);
    expect(refused.status).toBe(400);
    expect(refused.body.subCategory).toBe('PropertyGroupError.GROUP_WITH_ACTIVE_PROPERTIES');
    expect(refused.body.category).toBe('VALIDATION_ERROR');
    const inner = JSON.parse(refused.body.message);
    expect(inner).toMatchObject({ status: 'error', message: "Can't delete or purge a group with active properties", subCategory: 'PropertyGroupError.GROUP_WITH_ACTIVE_PROPERTIES' });
    expect((await h.call('DELETE', `/crm/v3/properties/contacts/${DISC.name}`)).status).toBe(204);
    expect((await h.call('DELETE', `/crm/v3/properties/contacts/groups/${GROUP.name}`)).status).toBe(204);
  });

  it('an archived group cannot be restored: re-creating makes a fresh group, and restoring a property into it first is refused', async () => {
    await createGroup();
    await h.call('PATCH', `/crm/v3/properties/contacts/groups/${GROUP.name}`, { body: { displayOrder: 7 } });
    await h.call('POST', '/crm/v3/properties/contacts', { body: DISC });
    await h.call('DELETE', `/crm/v3/properties/contacts/${DISC.name}`);
    await h.call('DELETE', `/crm/v3/properties/contacts/groups/${GROUP.name}`);
    const restore = await h.call('POST', '/crm/v3/properties/contacts', { body: DISC });
    expect(restore.status).toBe(400);
    expect(restore.body.message).toContain('jobcannon_assessments does not exist');
    const fresh = await createGroup();
    expect(fresh.status).toBe(201);
    expect(fresh.body.displayOrder).toBe(-1);
    expect((await h.call('POST', '/crm/v3/properties/contacts', { body: DISC })).status).toBe(201);
  });

  it('the group conflict body is configurable', async () => {
    await h.close();
    h = await startHarness({ properties: { groupConflict: { status: 409, category: 'CONFLICT', subCategory: 'X.Y' } } });
    await createGroup();
    const res = await createGroup();
    expect(res.body).toMatchObject({ category: 'CONFLICT', subCategory: 'X.Y' });
  });
});

describe('properties', () => {
  beforeEach(async () => {
    await createGroup();
  });

  it('creates a full Property (201 + Location)', async () => {
    const res = await h.call('POST', '/crm/v3/properties/contacts', { body: DISC });
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toBe('/crm/v3/properties/contacts/jc_disc_d');
    expect(res.body).toEqual({
      updatedAt: '2026-05-17T12:00:00.000Z',
      createdAt: '2026-05-17T12:00:00.000Z',
      name: 'jc_disc_d',
      label: 'JC DISC — Dominance',
      type: 'number',
      fieldType: 'number',
      description: '',
      groupName: 'jobcannon_assessments',
      options: [],
      displayOrder: -1,
      calculated: false,
      externalOptions: false,
      hasUniqueValue: false,
      hidden: false,
      hubspotDefined: false,
      modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false },
      formField: false,
      dataSensitivity: 'non_sensitive',
      archived: false,
      createdUserId: '7001',
      updatedUserId: '7001',
    });
  });

  it('409 OBJECT_ALREADY_EXISTS for an active name and leaves it unchanged', async () => {
    await h.call('POST', '/crm/v3/properties/contacts', { body: DISC });
    const res = await h.call('POST', '/crm/v3/properties/contacts', { body: { ...DISC, label: 'Changed' } });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      status: 'error',
      message: "A property named 'jc_disc_d' already exists.",
      correlationId: expect.stringMatching(UUID),
      subCategory: 'Properties.PROPERTY_WITH_NAME_EXISTS',
      category: 'OBJECT_ALREADY_EXISTS',
    });
    expect((await h.call('GET', '/crm/v3/properties/contacts/jc_disc_d')).body.label).toBe(DISC.label);
    expect((await h.call('POST', '/crm/v3/properties/contacts', { body: { ...DISC, name: 'email' } })).status).toBe(409);
  });

  it('archive → 404 on GET (200 with archived=true) → second DELETE 404 → re-create restores with same createdAt, posted definition and values', async () => {
    await h.call('POST', '/crm/v3/properties/contacts', { body: DISC });
    const upsert = await h.call('POST', '/crm/v3/objects/contacts/batch/upsert', {
      body: { inputs: [{ id: 'ada@example.com', idProperty: 'email', properties: { jc_disc_d: '72' } }] },
    });
    expect(upsert.status).toBe(200);
    h.clock.advance(60_000);
    expect((await h.call('DELETE', '/crm/v3/properties/contacts/jc_disc_d')).status).toBe(204);
    const gone = await h.call('GET', '/crm/v3/properties/contacts/jc_disc_d');
    expect(gone.status).toBe(404);
    expect(gone.body.category).toBe('OBJECT_NOT_FOUND');
    const archived = await h.call('GET', '/crm/v3/properties/contacts/jc_disc_d?archived=true');
    expect(archived.body).toMatchObject({ archived: true, archivedAt: '2026-05-17T12:01:00.000Z' });
    expect((await h.call('DELETE', '/crm/v3/properties/contacts/jc_disc_d')).status).toBe(404);
    expect((await h.call('GET', '/crm/v3/properties/contacts?archived=true')).body.results.map((p: { name: string }) => p.name)).toEqual(['jc_disc_d']);
    // writing to an archived property is PROPERTY_DOESNT_EXIST
    const write = await h.call('POST', '/crm/v3/objects/contacts/batch/upsert', { body: { inputs: [{ id: 'ada@example.com', idProperty: 'email', properties: { jc_disc_d: '1' } }] } });
    expect(write.body.errors[0].code).toBe('PROPERTY_DOESNT_EXIST');
    expect((await h.call('GET', '/crm/v3/objects/contacts/ada@example.com?idProperty=email&properties=jc_disc_d')).body.properties.jc_disc_d).toBeUndefined();

    h.clock.advance(60_000);
    const restored = await h.call('POST', '/crm/v3/properties/contacts', { body: { ...DISC, label: 'Restored', type: 'string', fieldType: 'text' } });
    expect(restored.status).toBe(201);
    expect(restored.body).toMatchObject({ createdAt: '2026-05-17T12:00:00.000Z', updatedAt: '2026-05-17T12:02:00.000Z', label: 'Restored', type: 'string', archived: false });
    expect(restored.body.archivedAt).toBeUndefined();
    const contact = await h.call('GET', '/crm/v3/objects/contacts/ada@example.com?idProperty=email&properties=jc_disc_d');
    expect(contact.body.properties.jc_disc_d).toBe('72');
  });

  it('validates required fields, the type/fieldType matrix, the group, enum and bool options', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ name: 'x1', label: 'X' }, /some of required attributes are not set \[type, fieldType, groupName\]/],
      [{ ...DISC, name: 'x2', type: 'number', fieldType: 'text' }, /does not support fieldType text/],
      [{ ...DISC, name: 'x3', type: 'string', fieldType: 'number' }, /does not support fieldType number/],
      [{ ...DISC, name: 'x4', type: 'datetime', fieldType: 'text' }, /does not support/],
      [{ ...DISC, name: 'x5', type: 'bogus' }, /Cannot deserialize value of type `PropertyType` from String "bogus"/],
      [{ ...DISC, name: 'x6', fieldType: 'slider' }, /`FieldType`/],
      [{ ...DISC, name: 'x7', groupName: 'nope' }, /Property group nope does not exist/],
      [{ ...DISC, name: 'x8', type: 'enumeration', fieldType: 'select' }, /needs at least one option/],
      [{ ...DISC, name: 'x9', type: 'bool', fieldType: 'booleancheckbox', options: [{ label: 'Yes', value: 'yes' }, { label: 'No', value: 'no' }] }, /exactly two options/],
      [{ ...DISC, name: 'Bad-Name' }, /is invalid/],
      [{ ...DISC, name: 'hs_mine' }, /reserved/],
      [{ ...DISC, name: 'x10', type: 'enumeration', fieldType: 'select', options: [{ label: 'A', value: 'a' }, { label: 'B', value: 'a' }] }, /unique/],
    ];
    for (const [body, message] of cases) {
      const res = await h.call('POST', '/crm/v3/properties/contacts', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.category).toBe('VALIDATION_ERROR');
      expect(res.body.message).toMatch(message);
      expect(res.body.correlationId).toMatch(UUID);
    }
    const bool = await h.call('POST', '/crm/v3/properties/contacts', {
      body: { ...DISC, name: 'jc_flag', type: 'bool', fieldType: 'booleancheckbox', options: [{ label: 'Yes', value: 'true' }, { label: 'No', value: 'false' }] },
    });
    expect(bool.status).toBe(201);
    expect((await h.call('GET', '/crm/v3/properties/contacts/jc_flag')).body.options.map((o: { value: string }) => o.value)).toEqual(['true', 'false']);
  });

  it('PATCH is partial, replaces the whole options list and ignores name/hasUniqueValue', async () => {
    await h.call('POST', '/crm/v3/properties/contacts', {
      body: { ...DISC, name: 'jc_test_status', type: 'enumeration', fieldType: 'select', options: [{ label: 'Invited', value: 'invited' }, { label: 'Completed', value: 'completed' }] },
    });
    const res = await h.call('PATCH', '/crm/v3/properties/contacts/jc_test_status', {
      body: { name: 'renamed', hasUniqueValue: true, fieldType: 'radio', options: [{ label: 'Expired', value: 'expired' }] },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'jc_test_status', label: DISC.label, fieldType: 'radio', hasUniqueValue: false });
    expect(res.body.options).toEqual([{ label: 'Expired', value: 'expired', displayOrder: 0, hidden: false }]);
    expect((await h.call('PATCH', '/crm/v3/properties/contacts/jc_test_status', { body: { fieldType: 'number' } })).status).toBe(400);
    expect((await h.call('PATCH', '/crm/v3/properties/contacts/nope', { body: { label: 'x' } })).status).toBe(404);
    expect((await h.call('PATCH', '/crm/v3/properties/contacts/email', { body: { label: 'x' } })).status).toBe(400);
  });

  it('text → textarea is allowed', async () => {
    await h.call('POST', '/crm/v3/properties/contacts', { body: { ...DISC, name: 'jc_mbti_type', type: 'string', fieldType: 'text' } });
    const res = await h.call('PATCH', '/crm/v3/properties/contacts/jc_mbti_type', { body: { fieldType: 'textarea' } });
    expect(res.status).toBe(200);
    expect(res.body.fieldType).toBe('textarea');
  });

  it('a property in use cannot be archived through the API (400), but the customer can delete it', async () => {
    await h.call('POST', '/crm/v3/properties/contacts', { body: DISC });
    h.emulator.setPropertyInUse(1001, 'jc_disc_d', 3);
    const res = await h.call('DELETE', '/crm/v3/properties/contacts/jc_disc_d');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ category: 'VALIDATION_ERROR', subCategory: 'PropertyValidationError.CANNOT_DELETE_PROPERTY_IN_USE', message: 'jc_disc_d is currently used in 3 places and cannot be deleted' });
    h.emulator.deleteProperty(1001, 'jc_disc_d');
    expect((await h.call('GET', '/crm/v3/properties/contacts/jc_disc_d')).status).toBe(404);
  });

  it('unknown property GET → 404 OBJECT_NOT_FOUND', async () => {
    const res = await h.call('GET', '/crm/v3/properties/contacts/nope');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND', correlationId: expect.stringMatching(UUID) });
  });

  it('batch create: 201 when all succeed, 207 with errors and numErrors otherwise', async () => {
    const ok = await h.call('POST', '/crm/v3/properties/contacts/batch/create', { body: { inputs: [DISC, { ...DISC, name: 'jc_disc_i' }] } });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ status: 'COMPLETE', startedAt: expect.any(String), completedAt: expect.any(String) });
    expect(ok.body.results.map((p: { name: string }) => p.name)).toEqual(['jc_disc_d', 'jc_disc_i']);
    const mixed = await h.call('POST', '/crm/v3/properties/contacts/batch/create', { body: { inputs: [DISC, { ...DISC, name: 'jc_disc_s' }, { ...DISC, name: 'jc_bad', fieldType: 'text' }] } });
    expect(mixed.status).toBe(207);
    expect(mixed.body.numErrors).toBe(2);
    expect(mixed.body.results.map((p: { name: string }) => p.name)).toEqual(['jc_disc_s']);
    expect(mixed.body.errors[0]).toMatchObject({ status: 'error', category: 'OBJECT_ALREADY_EXISTS', subCategory: 'Properties.PROPERTY_WITH_NAME_EXISTS', context: { name: ['jc_disc_d'] } });
    expect(mixed.body.errors[1]).toMatchObject({ category: 'VALIDATION_ERROR', context: { name: ['jc_bad'] } });
  });

  it('batch read: 200, or 207 listing missing names', async () => {
    await h.call('POST', '/crm/v3/properties/contacts', { body: DISC });
    const ok = await h.call('POST', '/crm/v3/properties/contacts/batch/read', { body: { archived: false, dataSensitivity: 'non_sensitive', inputs: [{ name: 'jc_disc_d' }, { name: 'email' }] } });
    expect(ok.status).toBe(200);
    expect(ok.body.results).toHaveLength(2);
    const partial = await h.call('POST', '/crm/v3/properties/contacts/batch/read', { body: { archived: false, dataSensitivity: 'non_sensitive', inputs: [{ name: 'jc_disc_d' }, { name: 'nope' }] } });
    expect(partial.status).toBe(207);
    expect(partial.body.errors[0]).toMatchObject({ category: 'OBJECT_NOT_FOUND', context: { name: ['nope'] } });
  });

  it('batch archive: always 204, archives the existing ones', async () => {
    await h.call('POST', '/crm/v3/properties/contacts', { body: DISC });
    const res = await h.call('POST', '/crm/v3/properties/contacts/batch/archive', { body: { inputs: [{ name: 'jc_disc_d' }, { name: 'never_existed' }] } });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await h.call('GET', '/crm/v3/properties/contacts/jc_disc_d')).status).toBe(404);
  });

  it('caps active custom properties at 1,000 per object', async () => {
    const inputs = Array.from({ length: 1000 }, (_, i) => ({ ...DISC, name: `p_${i}` }));
    const created = await h.call('POST', '/crm/v3/properties/contacts/batch/create', { body: { inputs } });
    expect(created.status).toBe(201);
    expect(created.body.results).toHaveLength(1000);
    const over = await h.call('POST', '/crm/v3/properties/contacts', { body: { ...DISC, name: 'p_1000' } });
    expect(over.status).toBe(400);
    expect(over.body.message).toContain('limit of 1000 custom properties');
    await h.call('DELETE', '/crm/v3/properties/contacts/p_0');
    expect((await h.call('POST', '/crm/v3/properties/contacts', { body: { ...DISC, name: 'p_1000' } })).status).toBe(201);
  });

  it('customer deletes the group: its properties are archived, then the group', async () => {
    await h.call('POST', '/crm/v3/properties/contacts', { body: DISC });
    h.emulator.deleteGroup(1001, GROUP.name);
    expect((await h.call('GET', '/crm/v3/properties/contacts/jc_disc_d')).status).toBe(404);
    expect((await h.call('GET', `/crm/v3/properties/contacts/groups/${GROUP.name}`)).status).toBe(404);
    // bootstrap must re-create the group first
    expect((await h.call('POST', '/crm/v3/properties/contacts', { body: DISC })).status).toBe(400);
    expect((await createGroup()).status).toBe(201);
    expect((await h.call('POST', '/crm/v3/properties/contacts', { body: DISC })).status).toBe(201);
  });
});
