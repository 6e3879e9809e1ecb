// The start-up failures a person can fix must say what to do, in one line, without a stack trace.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '@jobcannon/hubspot-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { startDemo } from './demo-app.js';
import { StartupError } from './startup-error.js';

describe('start-up errors', () => {
  let tmp: string;
  let blocker: Server;
  let takenPort: number;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'jc-demo-startup-'));
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, resolve));
    takenPort = (blocker.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => blocker.close(resolve));
    await rm(tmp, { recursive: true, force: true });
  });

  const start = (env: Record<string, string>) =>
    startDemo({ config: loadConfig({ DEMO_DATA_DIR: tmp, ...env }), logger: silentLogger, web: { kind: 'prebuilt', outDir: tmp } });

  it('says which port is taken and what to set', async () => {
    const failure = await start({ PORT: String(takenPort) }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StartupError);
    expect((failure as Error).message).toBe(`Port ${takenPort} is in use; set PORT=… to another port for the demo (PORT=0 picks a free one).`);
  });

  it('says so when the emulator port is taken', async () => {
    const failure = await start({ PORT: '0', EMULATOR_PORT: String(takenPort) }).catch((error: unknown) => error);
    expect((failure as Error).message).toMatch(new RegExp(`^Port ${takenPort} is in use; set EMULATOR_PORT=`));
  });

  it('tests DATABASE_URL at start and explains a failure without leaking the password', async () => {
    const failure = await start({ PORT: '0', EMULATOR_PORT: '0', DATABASE_URL: `postgres://demo:hunter2@127.0.0.1:${takenPort}/nowhere` }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(StartupError);
    const message = (failure as Error).message;
    expect(message).toMatch(/^Could not connect to DATABASE_URL \(postgres:\/\/demo:\*\*\*@127\.0\.0\.1:\d+\/nowhere\)/);
    expect(message).not.toContain('hunter2');
  });
});
