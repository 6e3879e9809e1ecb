import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createJcProperties, startHarness, type Harness } from './test-support/harness.js';

// The pages the widget's "View in HubSpot" and property-group links open in the demo: where
// HubSpot's own app has them, with no token, outside the API pipeline.
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

const open = (path: string) => h.call('GET', path, { token: null });

describe("HubSpot's app pages", () => {
  it('shows a contact record at /contacts/<hubId>/record/0-1/<id>, its JobCannon values grouped and escaped', async () => {
    const contact = h.emulator.contact(1001, 'ada@example.com');
    expect(contact?.id).toBe('101');
    const page = await open('/contacts/1001/record/0-1/101');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain('<h1 id="contact-title">ada@example.com');
    expect(page.text).toContain('<h2>JobCannon Assessments</h2>');
    expect(page.text).toMatch(/<tr data-property="jc_disc_d"><th scope="row">JC DISC — Dominance<br><code>jc_disc_d<\/code><\/th><td>72<\/td><\/tr>/);
    expect(page.text).toContain('&#60;INTJ&#62;');
    expect(page.text).not.toContain('<INTJ>');
  });

  it('answers 404 pages for an unknown contact, an archived one or an unknown portal', async () => {
    expect((await open('/contacts/1001/record/0-1/999')).status).toBe(404);
    expect((await open('/contacts/4242/record/0-1/101')).status).toBe(404);
    h.emulator.deleteContact(1001, '101');
    const gone = await open('/contacts/1001/record/0-1/101');
    expect(gone.status).toBe(404);
    expect(gone.text).toContain('No contact 101 in portal 1001');
  });

  it('lists the custom properties at /property-settings/<hubId>/properties, one group with ?group=', async () => {
    const all = await open('/property-settings/1001/properties');
    expect(all.status).toBe(200);
    expect(all.text).toContain('<p id="property-count">5 properties</p>');
    expect(all.text).not.toContain('data-property="email"');
    const group = await open('/property-settings/1001/properties?type=0-1&group=jobcannon_assessments');
    expect(group.text).toContain('Contact properties - JobCannon Assessments');
    expect(group.text).toContain('<tr data-property="jc_test_status"><td>JC Test Status</td><td><code>jc_test_status</code></td><td>enumeration / select</td>');
    const other = await open('/property-settings/1001/properties?group=contactinformation');
    expect(other.text).toContain('<p id="no-properties"');
    expect((await open('/property-settings/4242/properties')).status).toBe(404);
  });

  it('stays out of the API pipeline: not counted, not logged, never faulted', async () => {
    const before = h.emulator.requests().length;
    h.emulator.addFault({ route: '*', kind: 500, times: 10 });
    expect((await open('/contacts/1001/record/0-1/101')).status).toBe(200);
    expect((await open('/property-settings/1001/properties')).status).toBe(200);
    expect(h.emulator.requests().length).toBe(before);
    h.emulator.clearFaults();
    // A POST to such a path is not a page: the API answers it as HubSpot would (no such endpoint).
    expect((await h.call('POST', '/contacts/1001/record/0-1/101', { token: null })).status).not.toBe(200);
  });
});
