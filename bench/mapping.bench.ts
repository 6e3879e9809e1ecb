import { mapInviteToProperties, type AssessmentInvite } from '@jobcannon/hubspot-core';
import { atLeast, type BenchRow } from './report.js';

/** A deterministic mix of invites: every test kind, partial and complete ones. */
export function sampleInvites(count: number): AssessmentInvite[] {
  const invites: AssessmentInvite[] = [];
  for (let index = 0; index < count; index += 1) {
    const score = (offset: number) => (index * 7 + offset * 13) % 101;
    const at = new Date(Date.UTC(2026, 4, 1) + index * 60_000).toISOString();
    const complete = index % 4 !== 0;
    invites.push({
      id: `inv_${index}`,
      orgId: `org_${index % 5}`,
      email: ` Candidate.${index}@Example.com `,
      status: complete ? 'completed' : 'in_progress',
      createdAt: at,
      updatedAt: at,
      completedAt: complete ? at : null,
      tests: [
        { slug: 'disc', status: 'completed', completedAt: at, result: { dimensions: ['Dominance', 'Influence', 'Steadiness', 'Conscientiousness'].map((name, i) => ({ name, score: score(i), percentile: 50 })) } },
        { slug: 'big-five', status: 'completed', completedAt: at, result: { dimensions: ['Openness', 'Conscientiousness', 'Extraversion', 'Agreeableness', 'Emotional Stability'].map((name, i) => ({ name, score: (score(i + 4) % 100) + 0.25 })) } },
        { slug: 'iq', status: 'completed', completedAt: at, result: { score: 50 + (index % 110) } },
        complete
          ? { slug: 'mbti', status: 'completed', completedAt: at, result: { code: ['INTJ', 'ENFP', 'ISTP', 'ESFJ'][index % 4]! } }
          : { slug: 'mbti', status: 'in_progress' },
      ],
    });
  }
  return invites;
}

export async function mappingBench(): Promise<BenchRow[]> {
  const invites = sampleInvites(1_000);
  const options = { resultUrlBase: 'https://app.jobcannon.io' };
  for (let round = 0; round < 20; round += 1) for (const invite of invites) mapInviteToProperties(invite, options); // warm-up (JIT)
  const iterations = 300_000;
  const started = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  let sink = 0;
  for (let index = 0; index < iterations; index += 1) sink += mapInviteToProperties(invites[index % invites.length]!, options).jc_disc_d?.length ?? 0;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStarted);
  if (sink === 0) throw new Error('mapping produced nothing');
  const perSecond = Math.round(iterations / seconds);
  return [
    { bench: 'mapping', metric: 'invites mapped per second (one core)', value: perSecond, unit: 'invites/s', ...atLeast(perSecond, 200_000) },
    { bench: 'mapping', metric: 'CPU time per invite', value: Number((((cpu.user + cpu.system) / iterations)).toFixed(2)), unit: 'µs' },
  ];
}
