// Pure, browser-safe helpers shared by the page, the server and the tests: the tests JobCannon
// runs and plausible random results for each. Only types come from core, so nothing of core (knex,
// pg) ends up in the page's bundle.
import type { ResultEnvelope, TestSlug } from '@jobcannon/hubspot-core';

/** What the demo offers, in the order the form shows them (exhaustive over core's slugs). */
export const TESTS: ReadonlyArray<{ slug: TestSlug; label: string }> = [
  { slug: 'disc', label: 'DISC' },
  { slug: 'big-five', label: 'Big Five' },
  { slug: 'iq', label: 'IQ' },
  { slug: 'integrity', label: 'Integrity' },
  { slug: 'mbti', label: 'MBTI' },
  { slug: 'riasec', label: 'RIASEC' },
] satisfies ReadonlyArray<{ slug: TestSlug; label: string }>;

const LABELS = Object.fromEntries(TESTS.map((test) => [test.slug, test.label])) as Record<TestSlug, string>;
export const testLabel = (slug: TestSlug): string => LABELS[slug] ?? slug;

/** A result as the demo's API takes it: `{ slug, dimensions | score | code }` (JobCannon's result envelope). */
export interface TestResultInput {
  slug: TestSlug;
  dimensions?: ResultEnvelope['dimensions'];
  score?: number;
  code?: string;
}

type Random = () => number;

const between = (random: Random, min: number, max: number) => Math.round(min + random() * (max - min));
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const DIMENSIONS: Partial<Record<TestSlug, readonly string[]>> = {
  disc: ['Dominance', 'Influence', 'Steadiness', 'Conscientiousness'],
  'big-five': ['Openness', 'Conscientiousness', 'Extraversion', 'Agreeableness', 'Neuroticism'],
};

/** A random but valid result for one test (what a candidate finishing it would produce). */
export function randomResult(slug: TestSlug, random: Random = Math.random): TestResultInput {
  switch (slug) {
    case 'disc':
    case 'big-five':
      return { slug, dimensions: (DIMENSIONS[slug] ?? []).map((name) => ({ name, score: between(random, 5, 95), percentile: null })) };
    case 'iq':
      return { slug, score: between(random, 75, 140) };
    case 'integrity':
      return { slug, score: between(random, 40, 100) };
    case 'mbti':
      return { slug, code: ['EI', 'SN', 'TF', 'JP'].map((pair) => pick(random, pair.split(''))).join('') };
    case 'riasec': {
      const letters = 'RIASEC'.split('');
      const code: string[] = [];
      while (code.length < 3) {
        const letter = pick(random, letters);
        if (!code.includes(letter)) code.push(letter);
      }
      return { slug, code: code.join('') };
    }
  }
}

const FIRST = ['ada', 'grace', 'alan', 'katherine', 'linus', 'margaret', 'edsger', 'barbara', 'donald', 'frances'];
const LAST = ['lovelace', 'hopper', 'turing', 'johnson', 'torvalds', 'hamilton', 'dijkstra', 'liskov', 'knuth', 'allen'];

/** A candidate email that is unique enough for a demo run (example.com never receives mail). */
export function randomEmail(random: Random = Math.random): string {
  return `${pick(random, FIRST)}.${pick(random, LAST)}.${between(random, 100, 99_999)}@example.com`;
}

/** One to three distinct tests. */
export function randomTests(random: Random = Math.random): TestSlug[] {
  const count = between(random, 1, 3);
  const chosen = new Set<TestSlug>();
  while (chosen.size < count) chosen.add(pick(random, TESTS).slug);
  return [...chosen];
}
