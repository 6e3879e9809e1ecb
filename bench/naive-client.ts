// The baseline: what a careless integration does with the official client - one upsert call per
// contact, in a plain loop, relying on the client's own retries (which sleep 10 s × attempt after
// a TEN_SECONDLY_ROLLING 429).
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mapInviteToProperties, normalizeEmail, type AssessmentInvite } from '@jobcannon/hubspot-core';
import { TEST_RESULT_URL_BASE } from '@jobcannon/hubspot-core/test-support';
import type { RemoteEmulator } from './remote-emulator.js';
import { wallNow } from './kit.js';

/** The slice of @hubspot/api-client used here (its types are not visible from bench/). */
interface HubSpotClient {
  crm: { contacts: { batchApi: { upsert(input: { inputs: Array<{ id: string; idProperty: string; properties: Record<string, string> }> }): Promise<unknown> } } };
}
type ClientConstructor = new (config: { accessToken: string; basePath: string; numberOfApiCallRetries: number }) => HubSpotClient;

// The official client is a dependency of core, not of the workspace root: resolve it from there,
// the same copy (13.5.0) core uses.
const coreRequire = createRequire(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../packages/core/package.json'));

export interface NaiveRun {
  pushed: number;
  failed: number;
  /** Wall time from the first call to the last answer (ms); the last call may outlive the budget while it sleeps in a retry. */
  elapsedMs: number;
  contactsPerSecond: number;
  rateLimited: number;
  /** Retries the client announced on console.error. */
  retries: number;
  /** Completion times of each pushed contact, ms since the start. */
  pushedAt: number[];
}

/**
 * Pushes invites one per request until `budgetMs` has passed (the call in progress then is allowed to
 * finish, however long its retries sleep), on a portal whose rolling window nothing else uses.
 */
export async function runNaive(emulator: RemoteEmulator, hubId: number, invites: readonly AssessmentInvite[], budgetMs: number): Promise<NaiveRun> {
  const { Client } = coreRequire('@hubspot/api-client') as { Client: ClientConstructor };
  const tokens = await emulator.issueTokens({ hubId });
  const client = new Client({ accessToken: tokens.accessToken, basePath: emulator.url, numberOfApiCallRetries: 6 });
  // The client's decorators are a process-wide singleton bound at first access: bind them now,
  // before any other Client is constructed.
  const batchApi = client.crm.contacts.batchApi;
  const before = (await emulator.counters()).portals[String(hubId)]?.rateLimited ?? 0;
  const pushedAt: number[] = [];
  let failed = 0;
  let retries = 0;
  const consoleError = console.error;
  console.error = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('Request failed with status code')) retries += 1;
    else consoleError(...args);
  };
  const started = wallNow();
  try {
    for (const invite of invites) {
      if (wallNow() - started >= budgetMs) break;
      const email = normalizeEmail(invite.email);
      const properties = { ...mapInviteToProperties(invite, { resultUrlBase: TEST_RESULT_URL_BASE }), email };
      try {
        await batchApi.upsert({ inputs: [{ id: email, idProperty: 'email', properties }] });
        pushedAt.push(wallNow() - started);
      } catch {
        failed += 1;
      }
    }
  } finally {
    console.error = consoleError;
  }
  const elapsedMs = wallNow() - started;
  const rateLimited = ((await emulator.counters()).portals[String(hubId)]?.rateLimited ?? 0) - before;
  return { pushed: pushedAt.length, failed, elapsedMs, contactsPerSecond: pushedAt.length / (elapsedMs / 1000), rateLimited, retries, pushedAt };
}
