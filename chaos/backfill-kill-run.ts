// The backfill-kill side scenario on its own, repro-style (exits 1 when its check or a verify()
// counter fails, 0 otherwise), for working on the backfill without the whole chaos run:
//   pnpm exec tsx --conditions=@jobcannon/source chaos/backfill-kill-run.ts [--full] [--seed N]
// Quick: 3,000 candidates; --full: 20,000. It writes no report.
import { runBackfillKill } from './backfill-kill.js';
import { verify } from './verify.js';

const argv = process.argv.slice(2);
const seedAt = argv.indexOf('--seed');
const seed = seedAt >= 0 ? Number(argv[seedAt + 1]) : 7;
if (!Number.isInteger(seed)) throw new Error('--seed needs an integer');
const quick = !argv.includes('--full');
const began = Date.now();
const checks: Array<{ name: string; ok: boolean }> = [];
const result = await runBackfillKill({
  seed,
  quick,
  event: (label) => console.log(`[${((Date.now() - began) / 1000).toFixed(1)}s] ${label}`),
  check: (name, ok, detail) => {
    checks.push({ name, ok });
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${detail}`);
  },
});
const { counts } = verify({ expected: result.expected, contacts: result.contacts, failures: result.failures });
console.log(JSON.stringify({ figures: result.figures, verify: counts }, null, 2));
const clean = ['lost', 'wrong', 'staleOverwrite', 'duplicate', 'unexpected', 'unexpectedFailed', 'failedTransient'].every((name) => counts[name as keyof typeof counts] === 0);
process.exitCode = clean && counts.matched === counts.expected && checks.every((entry) => entry.ok) && result.unsettled === 0 ? 0 : 1;
