import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_APP } from './defaults.js';
import { REDIRECT_URI, createJcProperties, startHarness, type Harness } from './test-support/harness.js';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await createJcProperties(h);
  await h.call('POST', '/crm/v3/objects/contacts/batch/upsert', {
    body: { inputs: [{ id: 'ada@example.com', idProperty: 'email', properties: { email: 'ada@example.com', jc_disc_d: '72', jc_mbti_type: '<INTJ>' } }] },
  });
});
afterEach(async () => {
  await h.close();
});

const control = (method: string, path: string, body?: unknown) => h.call(method, `/_emulator${path}`, body === undefined ? { token: null } : { token: null, body });

describe('control API', () => {
  it('dumps contacts as JSON and as an HTML table with the jc_* properties', async () => {
    const dump = await control('GET', '/portals/1001/contacts');
    expect(dump.status).toBe(200);
    expect(dump.body.results).toEqual([
      {
        id: '101',
        email: 'ada@example.com',
        properties: { createdate: expect.any(String), email: 'ada@example.com', hs_object_id: '101', jc_disc_d: '72', jc_mbti_type: '<INTJ>', lastmodifieddate: expect.any(String) },
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        archived: false,
      },
    ]);
    const page = await control('GET', '/portals/1001/contacts?format=html&refresh=5');
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain('<meta http-equiv="refresh" content="5">');
    expect(page.text).toContain('<table id="contacts">');
    expect(page.text).toContain('<code>jc_disc_d</code>');
    expect(page.text).toContain('JC DISC — Dominance');
    expect(page.text).toContain('<td data-property="jc_disc_d">72</td>');
    expect(page.text).toContain('&#60;INTJ&#62;'); // values are escaped
    expect(page.text).not.toContain('<INTJ>');
    const ui = await control('GET', '/ui/portals/1002');
    expect(ui.text).toContain('id="no-contacts"');
    const index = await control('GET', '/ui');
    expect(index.text).toContain('href="/_emulator/ui/portals/1001"');
    expect(index.text).toContain(DEFAULT_APP.clientId);
  });

  it('the customer deletes a property, then a group', async () => {
    expect((await control('DELETE', '/portals/1001/properties/jc_disc_d')).status).toBe(204);
    expect((await h.call('GET', '/crm/v3/properties/contacts/jc_disc_d')).status).toBe(404);
    expect((await control('DELETE', '/portals/1001/properties/jc_disc_d')).status).toBe(404);
    expect((await control('DELETE', '/portals/1001/properties/email')).status).toBe(400);
    expect((await control('DELETE', '/portals/1001/groups/jobcannon_assessments')).status).toBe(204);
    expect((await h.call('GET', '/crm/v3/properties/contacts/jc_mbti_type')).status).toBe(404);
    expect((await h.call('GET', '/crm/v3/properties/contacts/groups/jobcannon_assessments')).status).toBe(404);
    expect((await control('GET', '/portals/1001/properties?archived=true')).body.results.filter((p: { archived?: boolean }) => p.archived).length).toBe(5);
  });

  it('marks a property in use', async () => {
    expect((await control('PUT', '/portals/1001/properties/jc_disc_d/in-use', { places: 2 })).status).toBe(204);
    expect((await h.call('DELETE', '/crm/v3/properties/contacts/jc_disc_d')).body.subCategory).toBe('PropertyValidationError.CANNOT_DELETE_PROPERTY_IN_USE');
  });

  it('uninstalls a portal: refresh fails with invalid_grant', async () => {
    expect((await control('POST', '/portals/1001/uninstall', { clientId: DEFAULT_APP.clientId })).body).toEqual({ uninstalled: 1 });
    const refresh = await h.form('/oauth/2026-03/token', { grant_type: 'refresh_token', client_id: DEFAULT_APP.clientId, client_secret: DEFAULT_APP.clientSecret, refresh_token: h.refreshToken });
    expect(refresh.body.error).toBe('invalid_grant');
    expect((await control('POST', '/portals/9999/uninstall', {})).status).toBe(404);
  });

  it('sets, adds, lists and clears faults', async () => {
    const set = await control('PUT', '/faults', { rules: [{ route: 'properties.read', kind: 503, times: 1 }] });
    expect(set.body.rules[0]).toMatchObject({ id: expect.any(String), kind: 503, times: 1 });
    expect((await control('POST', '/faults', { route: 'properties.list', kind: 500 })).status).toBe(201);
    expect((await control('GET', '/faults')).body.rules).toHaveLength(2);
    expect((await h.call('GET', '/crm/v3/properties/contacts/email')).status).toBe(503);
    expect((await h.call('GET', '/crm/v3/properties/contacts')).status).toBe(500);
    expect((await control('DELETE', '/faults')).status).toBe(204);
    expect((await h.call('GET', '/crm/v3/properties/contacts')).status).toBe(200);
    expect((await control('PUT', '/faults', [{ kind: 'nope' }])).status).toBe(400);
  });

  it('expires tokens, issues tokens, authorizes without a browser', async () => {
    expect((await control('POST', '/tokens/expire', { hubId: 1001 })).body).toEqual({ expired: 1 });
    expect((await h.call('GET', '/crm/v3/properties/contacts')).body.category).toBe('EXPIRED_AUTHENTICATION');
    const issued = await control('POST', '/tokens/issue', { hubId: 1002, scopes: ['crm.objects.contacts.read'] });
    expect(issued.body).toMatchObject({ hubId: 1002, scopes: ['crm.objects.contacts.read'], expiresIn: 1800 });
    expect((await h.call('GET', '/crm/v3/objects/contacts', { token: issued.body.accessToken })).status).toBe(200);
    const authorized = await control('POST', '/authorize', { redirectUri: REDIRECT_URI, scope: 'oauth', state: 'xyz', hubId: 1002 });
    expect(authorized.body).toMatchObject({ hubId: 1002, state: 'xyz', scopes: ['oauth'] });
    expect(authorized.body.redirectUrl).toBe(`${REDIRECT_URI}?code=${authorized.body.code}&state=xyz`);
    expect((await control('POST', '/authorize', { redirectUri: 'https://evil.example.com', scope: 'oauth' })).status).toBe(400);
  });

  it('counters, request log with secrets redacted, reset', async () => {
    await h.form('/oauth/2026-03/token', { grant_type: 'refresh_token', client_id: DEFAULT_APP.clientId, client_secret: DEFAULT_APP.clientSecret, refresh_token: h.refreshToken });
    await h.call('GET', `/oauth/v1/access-tokens/${h.token}`, { token: null });
    const counters = await control('GET', '/counters');
    // setup made 3 API calls (group, batch create, upsert); the 2 OAuth calls carry no portal and only count in totals
    expect(counters.body.portals['1001'].requests).toBe(3);
    expect(counters.body.totals.requests).toBe(5);
    expect(counters.body.totals.byRoute['oauth.token'].requests).toBe(1);
    const log = await control('GET', '/requests');
    const serialized = JSON.stringify(log.body);
    expect(serialized).not.toContain(DEFAULT_APP.clientSecret);
    expect(serialized).not.toContain(h.refreshToken);
    expect(serialized).not.toContain(h.token);
    const tokenCall = log.body.results.find((entry: { route: string }) => entry.route === 'oauth.token');
    expect(tokenCall.requestBody).toMatchObject({ grant_type: 'refresh_token', client_id: DEFAULT_APP.clientId, client_secret: '[redacted]' });
    expect(tokenCall.requestBody.refresh_token).toMatch(/^na1-.{2}…\[redacted\]$/);
    const upsert = log.body.results.find((entry: { route: string }) => entry.route === 'contacts.batchUpsert');
    expect(upsert.requestBody.inputs[0].id).toBe('ada@example.com');
    expect(upsert).toMatchObject({ method: 'POST', hubId: 1001, clientId: DEFAULT_APP.clientId, status: 200 });

    expect((await control('POST', '/reset', { keepInstalls: true })).status).toBe(200);
    expect((await control('GET', '/portals/1001/contacts')).body.results).toEqual([]);
    expect((await control('GET', '/counters')).body.totals.requests).toBe(0);
    expect((await h.call('GET', '/crm/v3/properties/contacts/jc_disc_d')).status).toBe(404);
    expect((await h.call('GET', '/crm/v3/properties/contacts/email')).status).toBe(200); // the install survived
    await control('POST', '/reset', {});
    expect((await h.call('GET', '/crm/v3/properties/contacts/email')).status).toBe(401);
  });

  it('state snapshot and unknown routes', async () => {
    const state = await control('GET', '/state');
    expect(state.body).toMatchObject({ url: h.emulator.url, apps: [{ clientId: DEFAULT_APP.clientId, name: 'JobCannon', appId: 3001 }] });
    expect(state.body.portals[0]).toMatchObject({ hubId: 1001, contacts: 1, groups: ['contactinformation', 'jobcannon_assessments'] });
    expect(state.body.installs).toEqual([{ hubId: 1001, clientId: DEFAULT_APP.clientId, scopes: expect.any(Array), installedAt: expect.any(String) }]);
    expect((await control('GET', '/nope')).status).toBe(404);
    expect((await control('PATCH', '/counters')).status).toBe(405);
  });

  describe('refuses what a web page could send', () => {
    const post = (path: string, body: string, headers: Record<string, string>) =>
      fetch(`${h.emulator.url}/_emulator${path}`, { method: 'POST', headers, body });

    it('415 for text/plain, form and multipart POSTs (no CORS preflight needed), and nothing happens', async () => {
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const res = await post('/reset', '{"keepInstalls":false}', { 'Content-Type': type });
        expect(res.status).toBe(415);
      }
      expect((await post('/reset', '', {})).status).toBe(415); // a POST without a type at all
      expect((await post('/portals/1001/uninstall', '{}', { 'Content-Type': 'text/plain;charset=UTF-8' })).status).toBe(415);
      expect((await control('GET', '/portals/1001/contacts')).body.results).toHaveLength(1);
      expect(h.emulator.state.installs.size).toBe(1);
    });

    it("403 for a JSON request whose Origin is not the emulator's own", async () => {
      for (const origin of ['http://evil.example', 'null', `http://rebound.example:${h.emulator.port}`]) {
        const res = await post('/reset', '{}', { 'Content-Type': 'application/json', Origin: origin });
        expect(res.status).toBe(403);
      }
      const del = await fetch(`${h.emulator.url}/_emulator/faults`, { method: 'DELETE', headers: { Origin: 'http://evil.example' } });
      expect(del.status).toBe(403);
      expect((await control('GET', '/portals/1001/contacts')).body.results).toHaveLength(1);
    });

    it('accepts its own origins and Node clients (no Origin); GET pages stay viewable', async () => {
      const own = await post('/tokens/expire', '{"hubId":1001}', { 'Content-Type': 'application/json; charset=utf-8', Origin: h.emulator.url });
      expect(own.status).toBe(200);
      const localhost = await post('/tokens/expire', '{}', { 'Content-Type': 'application/json', Origin: `http://localhost:${h.emulator.port}` });
      expect(localhost.status).toBe(200);
      expect((await fetch(`${h.emulator.url}/_emulator/ui`, { headers: { Origin: 'http://evil.example' } })).status).toBe(200);
    });
  });

  it('deletes a contact as the customer and builds its deletion events', async () => {
    const event = await control('GET', '/portals/1001/contacts/ada@example.com/events/privacyDeletion');
    expect(event.body).toMatchObject({ subscriptionType: 'contact.privacyDeletion', portalId: 1001, appId: 3001, objectId: 101, attemptNumber: 0 });
    expect((await control('DELETE', '/portals/1001/contacts/ADA@example.com')).status).toBe(204);
    expect((await h.call('GET', '/crm/v3/objects/contacts/101')).status).toBe(404);
    expect(h.emulator.contactEvent(1001, '101').subscriptionType).toBe('contact.deletion'); // still possible after the delete
  });
});
