import { Client } from '@hubspot/api-client';
import type { Emulator } from '@jobcannon/hubspot-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator } from '../test-support/integration-harness.js';
import { HubSpotCallError } from './hubspot-call-error.js';
import { createCrmApi, type CrmApi } from './crm-api.js';

const HUB = 1001;
const input = (email: string) => ({ id: email, idProperty: 'email' as const, properties: { firstname: 'Isolated' } });

/**
 * The official client keeps its retry decorators in one process-wide object that `new Client()`
 * overwrites and lazily built API objects read. Before the fix both directions leaked: the kit's
 * upsert made 3 attempts inside the client after the host built its client (the kit's contacts
 * API was built after it), and the host's client built before the kit's lost its retries (1 attempt).
 */
describe('kit CRM clients are isolated from a host @hubspot/api-client (both directions)', () => {
  let emulator: Emulator;
  let kit: CrmApi;
  let accessToken: string;

  const upsertAttempts = () => emulator.requests({ route: 'contacts.batchUpsert' }).length;
  const failNextUpserts = (times: number) => emulator.addFault({ route: 'contacts.batchUpsert', kind: 500, times });
  const hostClient = () => new Client({ accessToken, basePath: emulator.url, numberOfApiCallRetries: 3 });

  beforeAll(async () => {
    emulator = await startTestEmulator();
    accessToken = emulator.issueTokens({ hubId: HUB }).accessToken;
    kit = createCrmApi({ apiBase: emulator.url, timeoutMs: 5_000 });
  });
  afterAll(async () => {
    kit?.close();
    await emulator?.close();
  });

  it('a host client built before the kit keeps its 3 retries; one built after does not give the kit any', async () => {
    const before = hostClient();
    // The kit builds its client (bootstrap reads the property groups first, as it does for real).
    await kit.listPropertyGroups(accessToken);

    // Host → built before the kit's client, its contacts API built after: still retries 3 times.
    emulator.clearRequests();
    failNextUpserts(2);
    await before.crm.contacts.batchApi.upsert({ inputs: [input('host-before@example.com')] } as never);
    expect(upsertAttempts()).toBe(3);

    // Kit → a host client built after the kit's: the kit's upsert makes the one attempt its own
    // policy (core's retry policy, outside the client) decides, and the 500 reaches it.
    const after = hostClient();
    emulator.clearRequests();
    failNextUpserts(2);
    const failure = await kit.batchUpsertContacts(accessToken, [input('kit@example.com')]).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(HubSpotCallError);
    expect((failure as HubSpotCallError).status).toBe(500);
    expect(upsertAttempts()).toBe(1);
    emulator.clearFaults();

    // And the host's later client still retries 3 times after the kit built its APIs.
    emulator.clearRequests();
    failNextUpserts(2);
    await after.crm.contacts.batchApi.upsert({ inputs: [input('host-after@example.com')] } as never);
    expect(upsertAttempts()).toBe(3);
  });

  it('a kit client for another token built after the host client does not strip the host client', async () => {
    const host = hostClient();
    const other = emulator.issueTokens({ hubId: HUB }).accessToken;
    await kit.listPropertyGroups(other);
    emulator.clearRequests();
    failNextUpserts(2);
    await host.crm.contacts.batchApi.upsert({ inputs: [input('host-again@example.com')] } as never);
    expect(upsertAttempts()).toBe(3);
  });
});
