import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The chaos suite's reproductions of bugs it found in core, kept as regression tests: each script
// exits 1 while its bug is there and 0 once fixed (see chaos/README.md for what each one does).
const fixed = [
  'abandoned-request-lands-late',
  'deleted-property-fails-rows',
  'lease-lapse-stale-overwrite',
  'lost-advisory-lock',
  'sweep-page-deadlock',
  'token-outage-upserts-dead-token',
  'workers-oversend-rate-limit',
];

let running = 0;
const waiting: Array<() => void> = [];
async function twoAtATime<T>(task: () => Promise<T>): Promise<T> {
  if (running >= 2) await new Promise<void>((resolve) => waiting.push(resolve));
  running += 1;
  try {
    return await task();
  } finally {
    running -= 1;
    waiting.shift()?.();
  }
}

function runScript(script: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return twoAtATime(() => new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@jobcannon/source', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  }));
}

describe('chaos regressions', () => {
  // Each script is its own process with its own emulator and database: two at a time keeps the
  // suite short without starving a slow machine.
  it.concurrent.each(fixed)('%s stays fixed', async (name) => {
    const script = fileURLToPath(new URL(`./repro/${name}.ts`, import.meta.url));
    const run = await runScript(script);
    expect(run.stdout + run.stderr).toMatch(/not reproduced/);
    expect(run.status).toBe(0);
  }, 150_000);
});
