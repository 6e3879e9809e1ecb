import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Runs the real CLI under tsx (as `pnpm exec tsx packages/hubspot-emulator/src/cli.ts` does) and
// checks it serves, then exits cleanly on SIGTERM and SIGINT.

const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');
const cliPath = fileURLToPath(new URL('./cli.ts', import.meta.url));

function startCli(args: string[]): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [tsxCli, cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`CLI did not start: ${output}`)), 15_000);
    child.stdout?.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: match[1], output: () => output });
      }
    });
    child.on('exit', (code) => reject(new Error(`CLI exited early (${String(code)}): ${output}`)));
  });
}

const exited = (child: ChildProcess): Promise<number | null> => new Promise((resolve) => child.on('exit', (code) => resolve(code)));

describe('hubspot-emulator CLI', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('serves on an ephemeral port and stops on %s', async (signal) => {
    const { child, url, output } = await startCli(['--port', '0', '--seed', 'cli', '--issue-tokens', '--portal', '2001']);
    expect(output()).toContain('client_id=jc-demo-client');
    const token = /tokens for 2001: access_token=(\S+)/.exec(output())?.[1] ?? '';
    const res = await fetch(`${url}/crm/v3/properties/contacts/email`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const state = (await (await fetch(`${url}/_emulator/state`)).json()) as { portals: Array<{ hubId: number }> };
    expect(state.portals.map((p) => p.hubId)).toEqual([2001]);
    const exit = exited(child);
    child.kill(signal);
    expect(await exit).toBe(0);
    expect(output()).toContain(`${signal} received`);
  });
});
