// The parent side of bench/drain-child.ts: N host instances (child processes, each with its own
// pool and integration) started together, drained together, stopped together.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DrainChildConfig, DrainChildMessage } from './drain-child.js';

const childPath = fileURLToPath(new URL('./drain-child.ts', import.meta.url));

export interface DrainChildren {
  /** Every child starts draining (after all are ready, so none gets a head start). */
  start(): void;
  /** Stops them and returns what each one pushed, failed and retried. */
  stop(): Promise<Array<Extract<DrainChildMessage, { event: 'done' }>>>;
}

export async function startDrainChildren(count: number, config: Omit<DrainChildConfig, 'workerId'>, label: string): Promise<DrainChildren> {
  const children: ChildProcess[] = [];
  const done: Array<Promise<Extract<DrainChildMessage, { event: 'done' }>>> = [];
  const ready: Array<Promise<void>> = [];
  for (let index = 0; index < count; index += 1) {
    const child = fork(childPath, [JSON.stringify({ ...config, workerId: `${label}-${index}` } satisfies DrainChildConfig)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(child);
    ready.push(
      new Promise((resolve, reject) => {
        child.on('message', (message: DrainChildMessage) => message.event === 'ready' && resolve());
        child.once('exit', (code) => reject(new Error(`drain child ${index} exited (code ${code}) before it was ready`)));
      }),
    );
    done.push(
      new Promise((resolve, reject) => {
        child.on('message', (message: DrainChildMessage) => message.event === 'done' && resolve(message));
        child.once('exit', (code) => reject(new Error(`drain child ${index} exited (code ${code}) without a result`)));
      }),
    );
  }
  for (const promise of done) promise.catch(() => undefined);
  await Promise.all(ready);
  return {
    start() {
      for (const child of children) child.send({ op: 'start' });
    },
    async stop() {
      for (const child of children) if (child.connected) child.send({ op: 'stop' });
      return Promise.all(done);
    },
  };
}
