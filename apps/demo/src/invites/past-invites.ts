import type { AssignedTest, TestSlug } from '@jobcannon/hubspot-core';
import type { Knex } from 'knex';
import { randomResult, randomTests } from '../shared/assessments.js';

/**
 * The history a customer has before connecting HubSpot: completed invites from the last weeks,
 * written once into an empty demo (first start, or after "Reset demo"). After the first connect the
 * widget offers to send them ("Send 24 past results to HubSpot?"), the backfill.
 *
 * Two of Acme's are wrong on purpose, as real history is: an email with a mistyped top-level domain
 * (HubSpot refuses it) and an IQ score typed as 1180 instead of 118 (the kit refuses it). Both show
 * in the failures drawer and are fixed from the invite's row ("Correct…").
 */
export const PAST_INVITES: Readonly<Record<string, number>> = { acme: 24, globex: 6 };
export const BAD_EMAIL = 'ann.lee@example.con';
export const BAD_SCORE_EMAIL = 'omar.haddad@example.com';

const NAMES: Array<[string, string]> = [
  ['Ann', 'Lee'], ['Omar', 'Haddad'], ['Mei', 'Chen'], ['Lucas', 'Silva'], ['Priya', 'Nair'], ['Jonas', 'Berg'],
  ['Sofia', 'Rossi'], ['Kwame', 'Mensah'], ['Elena', 'Petrova'], ['Diego', 'Ramos'], ['Aiko', 'Tanaka'], ['Noah', 'Fischer'],
  ['Fatima', 'Zahra'], ['Liam', 'Murphy'], ['Chloe', 'Martin'], ['Ravi', 'Patel'], ['Ines', 'Costa'], ['Tomas', 'Novak'],
  ['Sara', 'Lindqvist'], ['Yusuf', 'Demir'], ['Hana', 'Kim'], ['Mateo', 'Lopez'], ['Zoe', 'Dubois'], ['Olu', 'Adeyemi'],
];

/** A small seeded generator (mulberry32): the same history on every fresh start. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes the past invites when the demo has no invites at all; returns how many it wrote. */
export async function seedPastInvites(db: Knex, now: Date = new Date()): Promise<number> {
  const [existing] = await db('invites').count<Array<{ count: string | number }>>({ count: '*' });
  if (Number(existing?.count ?? 0) > 0) return 0;
  const rows: Array<Record<string, unknown>> = [];
  for (const [orgId, count] of Object.entries(PAST_INVITES)) {
    const random = seeded(orgId.length * 7919 + count);
    for (let index = 0; index < count; index += 1) {
      const [first, last] = NAMES[(index + (orgId === 'acme' ? 0 : 11)) % NAMES.length]!;
      let email = `${first.toLowerCase()}.${last.toLowerCase()}@example.com`;
      let slugs: TestSlug[] = randomTests(random);
      if (orgId === 'acme' && index === 0) email = BAD_EMAIL;
      if (orgId === 'acme' && index === 1) slugs = ['iq', 'disc'];
      // Spread over the last 60 days, oldest first.
      const completedAt = new Date(now.getTime() - (count - index) * 2.5 * 24 * 3600_000);
      const createdAt = new Date(completedAt.getTime() - 3 * 24 * 3600_000);
      const tests: AssignedTest[] = slugs.map((slug) => {
        const { slug: _slug, ...result } = randomResult(slug, random);
        const envelope = { dimensions: result.dimensions ?? [], ...(result.score !== undefined ? { score: result.score } : {}), ...(result.code !== undefined ? { code: result.code } : {}) };
        if (orgId === 'acme' && index === 1 && slug === 'iq') envelope.score = 1180;
        return { slug, status: 'completed', completedAt: completedAt.toISOString(), result: envelope };
      });
      rows.push({
        id: `inv_past_${orgId}_${String(index + 1).padStart(3, '0')}`,
        org_id: orgId,
        email,
        first_name: first,
        last_name: last,
        status: 'completed',
        tests: JSON.stringify(tests),
        created_at: createdAt,
        updated_at: completedAt,
        completed_at: completedAt,
        expires_at: new Date(createdAt.getTime() + 14 * 24 * 3600_000),
      });
    }
  }
  await db('invites').insert(rows);
  return rows.length;
}
