// `pnpm chaos [--quick] [--seed N] [--invites N]`: runs the chaos scenario, prints the table, writes
// reports/chaos.json + reports/chaos-throughput.svg (the quick variant: chaos-quick*), and exits
// non-zero when any invariant fails or the run overran its time budget.
import { formatTable, writeJsonReport, writeThroughputSvg } from './report.js';
import { runScenario } from './scenario.js';

interface CliOptions {
  quick: boolean;
  seed: number;
  invites: number;
}

function parseArgs(argv: readonly string[]): CliOptions {
  const quick = argv.includes('--quick');
  const number = (flag: string): number | undefined => {
    const index = argv.indexOf(flag);
    if (index < 0) return undefined;
    const value = Number(argv[index + 1]);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${flag} needs a positive integer`);
    return value;
  };
  const known = new Set(['--quick', '--seed', '--invites']);
  const unknown = argv.filter((arg, index) => arg.startsWith('--') && !known.has(arg) && !(index > 0 && ['--seed', '--invites'].includes(argv[index - 1]!)));
  if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(' ')} (use --quick, --seed N, --invites N)`);
  return { quick, seed: number('--seed') ?? 7, invites: number('--invites') ?? (quick ? 1_000 : 20_000) };
}

/** The full run must finish in 10 minutes on 2 cores; the quick one in about a minute. */
const TIME_BUDGET_MS = { full: 10 * 60_000, quick: 90_000 };

async function main(): Promise<void> {
  const cli = parseArgs(process.argv.slice(2));
  // A real server restart only outside the test runner, where no other suite shares the server.
  const restartPostgres = process.env.CHAOS_ALLOW_PG_RESTART === '1' || (!cli.quick && process.env.VITEST === undefined);
  console.error(`chaos: ${cli.invites} invites, seed ${cli.seed}${cli.quick ? ', quick' : ''}, PostgreSQL ${restartPostgres ? 'server restart' : 'backends terminated'}`);
  const outcome = await runScenario({ ...cli, restartPostgres, log: (line) => console.error(line) });
  console.log(formatTable(outcome));
  const name = cli.quick ? 'chaos-quick' : 'chaos';
  const budget = cli.quick ? TIME_BUDGET_MS.quick : TIME_BUDGET_MS.full;
  const overTime = outcome.durationMs > budget;
  console.log(`\nduration: ${(outcome.durationMs / 1000).toFixed(1)} s (budget ${budget / 1000} s${overTime ? ', OVER' : ''})`);
  console.log(`report: ${writeJsonReport(outcome, name)}`);
  console.log(`chart: ${writeThroughputSvg(outcome, `${name}-throughput`)}`);
  process.exitCode = outcome.ok && !overTime ? 0 : 1;
}

await main();
