// The worked examples of score-mapping.md, end to end: enqueue → drain → the Contact in the emulator.
import type { Emulator } from '@jobcannon/hubspot-emulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { HubSpotIntegration } from '../integration/types.js';
import type { AssessmentInvite } from '../mapping/assessment-invite.js';
import type { MergePolicy } from '../mapping/map-invite.js';
import { connectOrg, createTestIntegration, startTestEmulator } from '../test-support/integration-harness.js';
import { createPostgresTestDatabase, type PostgresTestDatabase } from '../test-support/test-databases.js';

const HUB = 1001;
const EMAIL = 'ada.lovelace@example.com';

const disc = (at: string, d = 72) => ({ slug: 'disc' as const, status: 'completed' as const, completedAt: at, result: { dimensions: [{ name: 'Dominance', score: d }, { name: 'Influence', score: 41.26 }, { name: 'Steadiness', score: 0 }, { name: 'Conscientiousness', score: 100 }] } });
const bigFive = (at: string) => ({
  slug: 'big-five' as const,
  status: 'completed' as const,
  completedAt: at,
  result: { dimensions: [{ name: 'Openness', score: 61 }, { name: 'Conscientiousness', score: 70.5 }, { name: 'Extraversion', score: 33 }, { name: 'Agreeableness', score: 58 }, { name: 'Emotional Stability', score: 55 }] },
});
const iq = (at: string, score = 118) => ({ slug: 'iq' as const, status: 'completed' as const, completedAt: at, result: { score } });

function invite(orgId: string, id: string, at: string, tests: AssessmentInvite['tests'], status: AssessmentInvite['status'] = 'completed'): AssessmentInvite {
  return { id, orgId, email: ' Ada.Lovelace@Example.com ', status, tests, createdAt: at, updatedAt: at, completedAt: status === 'completed' ? at : null };
}

const inv42 = (orgId: string) => invite(orgId, 'inv_42', '2026-05-17T14:32:00.000Z', [disc('2026-05-17T14:32:00.000Z'), bigFive('2026-05-17T14:32:00.000Z')]);
const inv77 = (orgId: string) => invite(orgId, 'inv_77', '2026-09-02T10:00:00.000Z', [iq('2026-09-02T10:00:00.000Z')]);
const inv78 = (orgId: string) => invite(orgId, 'inv_78', '2026-10-01T02:00:00.000Z', [disc('2026-10-01T01:00:00.000Z', 12), { slug: 'iq', status: 'in_progress' }], 'in_progress');

describe('merge rules against the emulator (score-mapping.md worked examples)', () => {
  let database: PostgresTestDatabase;
  let emulator: Emulator;
  const integrations: HubSpotIntegration[] = [];
  let seq = 0;

  beforeAll(async () => {
    database = await createPostgresTestDatabase('merge_rules');
    emulator = await startTestEmulator({ rateLimit: { max: 1_000 } });
  });
  afterAll(async () => {
    for (const integration of integrations) await integration.close();
    await emulator?.close();
    await database?.drop();
  });
  beforeEach(() => emulator.reset());

  async function setup(mergePolicy?: MergePolicy) {
    const integration = createTestIntegration(database.db, emulator, mergePolicy ? { mergePolicy } : {});
    integrations.push(integration);
    await integration.migrate();
    seq += 1;
    const orgId = `org-merge-${seq}`;
    await connectOrg(integration, emulator, { orgId, hubId: HUB });
    return { integration, orgId };
  }
  const contact = () => emulator.contact(HUB, EMAIL)?.properties ?? {};

  it('latest-per-test: a later IQ-only invite keeps the DISC and Big Five values of the earlier one', async () => {
    const { integration, orgId } = await setup();
    await integration.enqueue(inv42(orgId));
    await integration.drain();
    expect(contact()).toMatchObject({ jc_disc_d: '72', jc_bigfive_n: '45', jc_invitation_id: 'inv_42', jc_completed_at: '2026-05-17T14:32:00.000Z' });
    expect(contact()).not.toHaveProperty('jc_iq_score');

    await integration.enqueue(inv77(orgId));
    await integration.drain();
    expect(contact()).toMatchObject({
      jc_disc_d: '72',
      jc_bigfive_o: '61',
      jc_bigfive_n: '45',
      jc_iq_score: '118',
      jc_test_status: 'completed',
      jc_invitation_id: 'inv_77',
      jc_result_url: expect.stringMatching(/\/business\/dashboard\/invites\/inv_77$/),
      jc_completed_at: '2026-09-02T10:00:00.000Z',
    });

    // The nightly sweep: inv_78's DISC is done, its IQ not yet.
    await integration.enqueue(inv78(orgId));
    await integration.drain();
    const shown = contact();
    expect(shown).toMatchObject({ jc_disc_d: '12', jc_test_status: 'in_progress', jc_invitation_id: 'inv_78', jc_iq_score: '118', jc_bigfive_n: '45' });
    // "" clears a value, and HubSpot omits empty properties.
    expect(shown).not.toHaveProperty('jc_completed_at');
  });

  it('replace: the later invite clears the tests it did not measure', async () => {
    const { integration, orgId } = await setup('replace');
    await integration.enqueue(inv42(orgId));
    await integration.drain();
    await integration.enqueue(inv77(orgId));
    await integration.drain();
    const shown = contact();
    expect(shown).toMatchObject({ jc_iq_score: '118', jc_invitation_id: 'inv_77' });
    for (const name of ['jc_disc_d', 'jc_disc_i', 'jc_bigfive_o', 'jc_bigfive_n']) expect(shown).not.toHaveProperty(name);
  });

  it('two invites queued before either is pushed: one push carries every finished test and the newest invite’s status', async () => {
    const { integration, orgId } = await setup();
    await integration.enqueue(inv42(orgId));
    await integration.enqueue(inv77(orgId));
    const result = await integration.drain();
    expect(result.pushed).toBe(1);
    expect(contact()).toMatchObject({ jc_disc_d: '72', jc_bigfive_n: '45', jc_iq_score: '118', jc_invitation_id: 'inv_77', jc_test_status: 'completed' });
  });

  it('an older invite arriving after a newer one was pushed still lands the test it finished, without taking the status', async () => {
    const { integration, orgId } = await setup();
    await integration.enqueue(inv77(orgId));
    await integration.drain();
    expect(await integration.enqueue(inv42(orgId))).toMatchObject({ queued: true });
    await integration.drain();
    expect(contact()).toMatchObject({ jc_disc_d: '72', jc_bigfive_n: '45', jc_iq_score: '118', jc_invitation_id: 'inv_77' });
    // The same late invite again changes nothing.
    expect(await integration.enqueue(inv42(orgId))).toEqual({ queued: false, reason: 'stale' });
  });
});
