import type { Emulator } from '@jobcannon/hubspot-emulator';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateEncryptionKey } from '../crypto/token-cipher.js';
import { isHubSpotKitError } from '../errors.js';
import type { EncryptionKeyring, HubSpotIntegration } from '../integration/types.js';
import { connectOrg, createTestIntegration, startTestEmulator } from '../test-support/integration-harness.js';
import { describeEachBackend, type StorageBackend } from '../test-support/test-databases.js';

const OLD_KEY_ID = 'retired-key-2025';
const NEW_KEY_ID = 'current-key-2026';
const OLD: EncryptionKeyring = { currentKeyId: OLD_KEY_ID, keys: { [OLD_KEY_ID]: generateEncryptionKey() } };
const NEW_KEY = generateEncryptionKey();

async function failureOf(promise: Promise<unknown>): Promise<Error & { code?: string; details?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describeEachBackend('stored tokens the keyring cannot open', (backend: StorageBackend) => {
  let emulator: Emulator;
  const opened: HubSpotIntegration[] = [];
  let seq = 0;
  const open = (encryption: EncryptionKeyring) => {
    const integration = createTestIntegration(backend.db, emulator, { encryption });
    opened.push(integration);
    return integration;
  };
  const nextOrg = () => `org-keys-${backend.name}-${++seq}`;
  const envelopes = async (orgId: string) => (await backend.db('hubspot_connections').where({ org_id: orgId }).first('access_token_enc', 'refresh_token_enc')) as { access_token_enc: string | null; refresh_token_enc: string | null };

  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(async () => {
    for (const integration of opened) await integration.close();
    await emulator?.close();
  });

  // Failed before: status said connected with no problem, resync answered DECRYPTION_FAILED with
  // 'uses key id "retired-key-2025"' in its message (and { keyId } in its details).
  it('status and resync answer DECRYPTION_FAILED, naming no key id', async () => {
    const orgId = nextOrg();
    await connectOrg(open(OLD), emulator, { orgId });
    const rotated = open({ currentKeyId: NEW_KEY_ID, keys: { [NEW_KEY_ID]: NEW_KEY } });

    const report = await rotated.status(orgId);
    expect(report).toMatchObject({ status: 'connected', lastError: { code: 'DECRYPTION_FAILED', retryable: false } });
    expect(JSON.stringify(report)).not.toContain(OLD_KEY_ID);

    const error = await failureOf(rotated.resync(orgId));
    expect(isHubSpotKitError(error, 'DECRYPTION_FAILED')).toBe(true);
    expect(`${error.message} ${JSON.stringify(error.details)}`).not.toMatch(/retired-key-2025|current-key-2026/);
  });

  it('disconnect still works: tokens dropped, connection disconnected', async () => {
    const orgId = nextOrg();
    await connectOrg(open(OLD), emulator, { orgId });
    const rotated = open({ currentKeyId: NEW_KEY_ID, keys: { [NEW_KEY_ID]: NEW_KEY } });
    await rotated.disconnect(orgId);
    expect((await rotated.status(orgId)).status).toBe('disconnected');
    expect(await envelopes(orgId)).toEqual({ access_token_enc: null, refresh_token_enc: null });
  });

  // Failed before: there was no reencryptTokens().
  it('reencryptTokens moves every token to the current key and reports the counts', async () => {
    await backend.db('hubspot_connections').update({ access_token_enc: null, refresh_token_enc: null });
    const [a, b, lost] = [nextOrg(), nextOrg(), nextOrg()];
    await connectOrg(open(OLD), emulator, { orgId: a });
    await connectOrg(open(OLD), emulator, { orgId: b, hubId: 1002 });
    // One written under a key nobody kept.
    await connectOrg(open({ currentKeyId: 'lost', keys: { lost: generateEncryptionKey() } }), emulator, { orgId: lost });

    const both = open({ currentKeyId: NEW_KEY_ID, keys: { [OLD_KEY_ID]: OLD.keys[OLD_KEY_ID]!, [NEW_KEY_ID]: NEW_KEY } });
    expect(await both.reencryptTokens()).toEqual({ scanned: 3, reencrypted: 2, alreadyCurrent: 0, failed: 1 });
    for (const orgId of [a, b]) {
      const stored = await envelopes(orgId);
      expect(stored.access_token_enc?.startsWith(`v1.${NEW_KEY_ID}.`)).toBe(true);
      expect(stored.refresh_token_enc?.startsWith(`v1.${NEW_KEY_ID}.`)).toBe(true);
    }
    expect((await envelopes(lost)).refresh_token_enc?.startsWith('v1.lost.')).toBe(true);
    expect(await both.reencryptTokens()).toEqual({ scanned: 3, reencrypted: 0, alreadyCurrent: 2, failed: 1 });

    // The old key can now leave the keyring: the moved connections work without it.
    const newOnly = open({ currentKeyId: NEW_KEY_ID, keys: { [NEW_KEY_ID]: NEW_KEY } });
    expect((await newOnly.status(a)).lastError).toBeNull();
    expect((await newOnly.resync(a)).ok).toBe(true);
  });
});
