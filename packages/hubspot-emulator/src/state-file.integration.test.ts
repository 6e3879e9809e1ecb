import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_APP } from './defaults.js';
import { STATE_FILE_VERSION } from './state-file.js';
import { createJcProperties, startHarness, type Harness } from './test-support/harness.js';

const UPSERT = '/crm/v3/objects/contacts/batch/upsert';
const WAIT = { timeout: 10_000, interval: 50 };

let dir: string;
let file: string;
const open: Harness[] = [];
const start = async () => {
  const harness = await startHarness({ stateFile: file });
  open.push(harness);
  return harness;
};

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'emulator-state-'));
  file = path.join(dir, 'nested', 'hubspot-emulator.json');
});
afterEach(async () => {
  for (const harness of open.splice(0)) await harness.close();
  await rm(dir, { recursive: true, force: true });
});

describe('stateFile', () => {
  it('resumes portals, properties, contacts, installs and tokens after a restart', async () => {
    const first = await start();
    await createJcProperties(first);
    const upsert = await first.call('POST', UPSERT, { body: { inputs: [{ id: 'ada@example.com', idProperty: 'email', properties: { email: 'ada@example.com', jc_disc_d: '72' } }] } });
    expect(upsert.status).toBe(200);
    await first.close();
    open.splice(0);

    const second = await start();
    // The first run's token still works, and its contact, group and property are there.
    const read = await second.call('GET', '/crm/v3/objects/contacts/ada@example.com?idProperty=email&properties=jc_disc_d', { token: first.token });
    expect(read.status).toBe(200);
    expect(read.body.properties.jc_disc_d).toBe('72');
    expect(second.emulator.contact(1001, 'ADA@example.com')?.id).toBe(read.body.id);
    expect(second.emulator.groups(1001).map((group) => group.name)).toContain('jobcannon_assessments');
    expect(second.emulator.properties(1001).map((property) => property.name)).toContain('jc_disc_d');
    // The refresh token of the first run still refreshes.
    const refreshed = await second.form('/oauth/v1/token', { grant_type: 'refresh_token', client_id: DEFAULT_APP.clientId, client_secret: DEFAULT_APP.clientSecret, refresh_token: first.refreshToken });
    expect(refreshed.status, refreshed.text).toBe(200);
    // New tokens (the harness issued one at start with the same seed) never repeat the saved ones.
    expect(second.token).not.toBe(first.token);
    // The next contact gets a fresh id.
    const next = await second.call('POST', UPSERT, { body: { inputs: [{ id: 'grace@example.com', idProperty: 'email', properties: { email: 'grace@example.com' } }] } });
    expect(Number(next.body.results[0].id)).toBeGreaterThan(Number(read.body.id));
  });

  it('saves in-process changes (an uninstall) shortly after, without a close', async () => {
    const first = await start();
    first.emulator.uninstall(1001);
    await expect
      .poll(async () => {
        const saved = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as { installs?: unknown[] };
        return saved.installs?.length ?? null;
      }, WAIT)
      .toBe(0);
  });

  it('starts clean from a file of another version or from broken JSON', async () => {
    await mkdir(path.dirname(file), { recursive: true });
    for (const text of [JSON.stringify({ version: STATE_FILE_VERSION + 1, portals: [] }), '{ not json']) {
      await writeFile(file, text);
      const harness = await start();
      expect(harness.emulator.contacts(1001)).toEqual([]);
      expect(harness.emulator.state.installs.size).toBe(1);
      await harness.close();
      open.splice(0);
    }
  });
});
