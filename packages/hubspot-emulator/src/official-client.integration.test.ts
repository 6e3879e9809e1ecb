import { Client } from '@hubspot/api-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_APP } from './defaults.js';
import { startHarness, type Harness } from './test-support/harness.js';

// The official Node client (13.5.0), pointed at the emulator through basePath, must work unchanged:
// same paths, same JSON, errors surfacing as ApiException with `code` and the parsed `body`.

let h: Harness;
let client: Client;
beforeEach(async () => {
  h = await startHarness();
  client = new Client({ accessToken: h.token, basePath: h.emulator.url, numberOfApiCallRetries: 0 });
});
afterEach(async () => {
  await h.close();
});

type PropertyCreateArg = Parameters<Client['crm']['properties']['coreApi']['create']>[1];
type UpsertArg = Parameters<Client['crm']['contacts']['batchApi']['upsert']>[0];
const asPropertyCreate = (value: Record<string, unknown>): PropertyCreateArg => value as unknown as PropertyCreateArg;

interface ApiExceptionLike {
  code: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK types body per call; tests read its fields
  body: any;
  headers: Record<string, string>;
}

async function apiError(promise: Promise<unknown>): Promise<ApiExceptionLike> {
  try {
    await promise;
  } catch (error) {
    expect((error as Error).constructor.name).toBe('ApiException');
    return error as ApiExceptionLike;
  }
  throw new Error('expected the call to fail');
}

const DISC = { name: 'jc_disc_d', label: 'JC DISC — Dominance', type: 'number', fieldType: 'number', groupName: 'jobcannon_assessments' };

describe('@hubspot/api-client against the emulator', () => {
  it('groupsApi: create, getAll, getByName, update, archive; 409 as ApiException', async () => {
    const group = await client.crm.properties.groupsApi.create('contacts', { name: 'jobcannon_assessments', label: 'JobCannon Assessments', displayOrder: -1 });
    expect(group).toMatchObject({ name: 'jobcannon_assessments', label: 'JobCannon Assessments', archived: false });
    const all = await client.crm.properties.groupsApi.getAll('contacts');
    expect(all.results.map((g) => g.name)).toContain('jobcannon_assessments');
    expect((await client.crm.properties.groupsApi.getByName('contacts', 'jobcannon_assessments')).label).toBe('JobCannon Assessments');
    expect((await client.crm.properties.groupsApi.update('contacts', 'jobcannon_assessments', { label: 'JC' })).label).toBe('JC');
    const conflict = await apiError(client.crm.properties.groupsApi.create('contacts', { name: 'jobcannon_assessments', label: 'x' }));
    expect(conflict.code).toBe(409);
    expect(conflict.body).toMatchObject({ status: 'error', category: 'OBJECT_ALREADY_EXISTS' });
    await client.crm.properties.groupsApi.archive('contacts', 'jobcannon_assessments');
    expect((await apiError(client.crm.properties.groupsApi.getByName('contacts', 'jobcannon_assessments'))).code).toBe(404);
  });

  it('coreApi: create, getByName, getAll, update, archive; 409 carries category and subCategory', async () => {
    await client.crm.properties.groupsApi.create('contacts', { name: 'jobcannon_assessments', label: 'JobCannon Assessments' });
    const created = await client.crm.properties.coreApi.create('contacts', asPropertyCreate(DISC));
    expect(created).toMatchObject({ name: 'jc_disc_d', type: 'number', fieldType: 'number', hubspotDefined: false });
    expect(created.createdAt).toBeInstanceOf(Date);
    const conflict = await apiError(client.crm.properties.coreApi.create('contacts', asPropertyCreate(DISC)));
    expect(conflict.code).toBe(409);
    expect(conflict.body).toMatchObject({ category: 'OBJECT_ALREADY_EXISTS', subCategory: 'Properties.PROPERTY_WITH_NAME_EXISTS', message: "A property named 'jc_disc_d' already exists." });
    expect(conflict.body.correlationId).toBeTruthy();
    expect((await client.crm.properties.coreApi.getByName('contacts', 'jc_disc_d')).label).toBe(DISC.label);
    expect((await client.crm.properties.coreApi.getAll('0-1')).results.some((p) => p.name === 'jc_disc_d')).toBe(true);
    expect((await client.crm.properties.coreApi.update('contacts', 'jc_disc_d', { label: 'DISC D' })).label).toBe('DISC D');
    await client.crm.properties.coreApi.archive('contacts', 'jc_disc_d');
    expect((await apiError(client.crm.properties.coreApi.getByName('contacts', 'jc_disc_d'))).body.category).toBe('OBJECT_NOT_FOUND');
    expect((await client.crm.properties.coreApi.getByName('contacts', 'jc_disc_d', true)).archived).toBe(true);
  });

  it('batchApi: create (201 and a resolved 207), read, archive', async () => {
    await client.crm.properties.groupsApi.create('contacts', { name: 'jobcannon_assessments', label: 'JobCannon Assessments' });
    const created = await client.crm.properties.batchApi.create('contacts', { inputs: [asPropertyCreate(DISC), asPropertyCreate({ ...DISC, name: 'jc_disc_i' })] });
    expect(created.results.map((p) => p.name)).toEqual(['jc_disc_d', 'jc_disc_i']);
    const partial = await client.crm.properties.batchApi.create('contacts', { inputs: [asPropertyCreate(DISC), asPropertyCreate({ ...DISC, name: 'jc_disc_s' })] });
    expect('numErrors' in partial && partial.numErrors).toBe(1);
    const read = await client.crm.properties.batchApi.read('contacts', { archived: false, inputs: [{ name: 'jc_disc_d' }, { name: 'jc_disc_s' }] });
    expect(read.results.map((p) => p.name).sort()).toEqual(['jc_disc_d', 'jc_disc_s']);
    await client.crm.properties.batchApi.archive('contacts', { inputs: [{ name: 'jc_disc_d' }, { name: 'nope' }] });
    expect((await apiError(client.crm.properties.coreApi.getByName('contacts', 'jc_disc_d'))).code).toBe(404);
  });

  it('contacts.batchApi.upsert and basicApi.getById (by email)', async () => {
    await client.crm.properties.groupsApi.create('contacts', { name: 'jobcannon_assessments', label: 'JobCannon Assessments' });
    await client.crm.properties.coreApi.create('contacts', asPropertyCreate(DISC));
    const upsert: UpsertArg = { inputs: [{ id: 'ada@example.com', idProperty: 'email', objectWriteTraceId: 'inv_42', properties: { email: 'ada@example.com', jc_disc_d: '72' } }] };
    const result = await client.crm.contacts.batchApi.upsert(upsert);
    expect(result.status).toBe('COMPLETE');
    expect(result.results[0]).toMatchObject({ id: '101', _new: true, objectWriteTraceId: 'inv_42', properties: { jc_disc_d: '72', email: 'ada@example.com' } });
    expect(result.results[0]?.createdAt).toBeInstanceOf(Date);
    const again = await client.crm.contacts.batchApi.upsert(upsert);
    expect(again.results[0]?._new).toBe(false);
    const contact = await client.crm.contacts.basicApi.getById('ada@example.com', ['jc_disc_d'], undefined, undefined, false, 'email');
    expect(contact).toMatchObject({ id: '101', properties: { jc_disc_d: '72', hs_object_id: '101' } });
  });

  it('ApiException carries code and parsed body for 400, 401, 403 and 429', async () => {
    const invalid = await apiError(client.crm.contacts.batchApi.upsert({ inputs: [{ id: 'ada@example.con', idProperty: 'email', properties: {} }] }));
    expect(invalid.code).toBe(400);
    expect(invalid.body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(invalid.body.errors[0]).toMatchObject({ code: 'INVALID_EMAIL', context: { propertyName: ['email'] } });
    expect(invalid.headers['x-hubspot-ratelimit-max']).toBe('110');

    const anonymous = new Client({ accessToken: 'garbage', basePath: h.emulator.url, numberOfApiCallRetries: 0 });
    const unauthorized = await apiError(anonymous.crm.properties.coreApi.getAll('contacts'));
    expect(unauthorized.code).toBe(401);
    expect(unauthorized.body.category).toBe('INVALID_AUTHENTICATION');

    const readOnly = h.emulator.issueTokens({ scopes: ['crm.objects.contacts.read'] });
    const limited = new Client({ accessToken: readOnly.accessToken, basePath: h.emulator.url, numberOfApiCallRetries: 0 });
    const forbidden = await apiError(limited.crm.properties.groupsApi.create('contacts', { name: 'g', label: 'G' }));
    expect(forbidden.code).toBe(403);
    expect(forbidden.body.category).toBe('MISSING_SCOPES');

    h.emulator.setFaults([{ kind: 429, times: 1 }]);
    const throttled = await apiError(client.crm.properties.coreApi.getAll('contacts'));
    expect(throttled.code).toBe(429);
    expect(throttled.body).toMatchObject({ policyName: 'TEN_SECONDLY_ROLLING', errorType: 'RATE_LIMIT' });
  });

  it('OAuth through the client: refresh keeps the refresh token; token info has the hub', async () => {
    const refreshed = await client.oauth.tokensApi.create('refresh_token', undefined, undefined, DEFAULT_APP.clientId, DEFAULT_APP.clientSecret, h.refreshToken);
    expect(refreshed.refreshToken).toBe(h.refreshToken);
    expect(refreshed.expiresIn).toBe(1800);
    expect(refreshed.accessToken).not.toBe(h.token);
    const info = await client.oauth.accessTokensApi.get(refreshed.accessToken);
    expect(info).toMatchObject({ hubId: 1001, user: 'admin@acme-demo.com' });
    h.emulator.uninstall(1001);
    const refused = await apiError(client.oauth.tokensApi.create('refresh_token', undefined, undefined, DEFAULT_APP.clientId, DEFAULT_APP.clientSecret, h.refreshToken));
    expect(refused.code).toBe(400);
    expect(refused.body).toMatchObject({ status: 'BAD_REFRESH_TOKEN', message: 'refresh token is invalid, expired or revoked' });
  });
});
