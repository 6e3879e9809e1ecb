// Runs one exported function of a bench module in a process of its own (bench/kit.ts inFreshProcess)
// and sends back what it returned. A measurement of this process's memory then starts from the same
// state every time, whatever benches ran before it in the parent.
import { pathToFileURL } from 'node:url';

export interface FreshProcessTask {
  /** A file URL or path of the module (its import.meta.url). */
  module: string;
  exportName: string;
  args: unknown[];
}

export type FreshProcessReply = { ok: true; value: unknown } | { ok: false; error: string };

const task = JSON.parse(process.argv[2] ?? '{}') as FreshProcessTask;
let reply: FreshProcessReply;
try {
  const url = task.module.startsWith('file:') ? task.module : pathToFileURL(task.module).href;
  const loaded = (await import(url)) as Record<string, unknown>;
  const run = loaded[task.exportName];
  if (typeof run !== 'function') throw new Error(`${task.module} exports no function ${task.exportName}`);
  reply = { ok: true, value: await (run as (...args: unknown[]) => unknown)(...task.args) };
} catch (error) {
  reply = { ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
}
// Exit once the reply is out: handles the task left open (pools, timers) must not keep it alive.
process.send?.(reply, () => process.exit(0));
