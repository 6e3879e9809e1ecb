import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '../../../../..');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  child: ChildProcess;
  result: Promise<CliResult>;
  /** What the CLI has written to stdout so far. */
  stdout(): string;
}

/**
 * The CLI as a scheduler runs it: its own process, stdout a pipe (not a TTY), through tsx's loader
 * (`tsx` is a root devDependency, so `--import tsx` resolves from the repository root).
 */
export function startCli(args: string[], env: Record<string, string>): RunningCli {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@jobcannon/source', 'packages/sweep/src/cli.ts', ...args], {
    cwd: REPO_ROOT,
    // Only what the CLI documents, so a test cannot pass thanks to the runner's environment.
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const result = new Promise<CliResult>((done, fail) => {
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
  });
  return { child, result, stdout: () => stdout };
}

export const runCli = (args: string[], env: Record<string, string>): Promise<CliResult> => startCli(args, env).result;
