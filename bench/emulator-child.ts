// The HubSpot emulator in its own process, driven over IPC by bench/remote-emulator.ts.
//
// HubSpot is remote in production, so the benches keep it out of the measured process: the bench
// process's CPU time and RSS then belong to the kit (core, knex, pg, the official client) alone,
// and the emulator's JSON parsing and contact storage never delay the kit's event loop.
import { startEmulator, type Emulator, type EmulatorOptions } from '@jobcannon/hubspot-emulator';
import type { ChildReply, ChildRequest, LoggedRequest } from './remote-emulator.js';

let emulator: Emulator | undefined;

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
const wallNow = (): number => performance.timeOrigin + performance.now();

interface Watch {
  hubId: number;
  email: string;
  resolve: (seenAt: number) => void;
}
const watches = new Set<Watch>();
let watchTimer: NodeJS.Timeout | undefined;

function pollWatches(): void {
  for (const watch of watches) {
    if (emulator?.contact(watch.hubId, watch.email) !== undefined) {
      watches.delete(watch);
      watch.resolve(wallNow());
    }
  }
  if (watches.size === 0) {
    clearInterval(watchTimer);
    watchTimer = undefined;
  }
}

function watchContact(hubId: number, email: string): Promise<number> {
  return new Promise((resolve) => {
    watches.add({ hubId, email, resolve });
    // Every millisecond while someone waits: the contact is visible from the moment the emulator's
    // batch upsert handler stored it, and this sees it within about a millisecond of that.
    watchTimer ??= setInterval(pollWatches, 1);
    pollWatches();
  });
}

function required(): Emulator {
  if (!emulator) throw new Error('the emulator is not started');
  return emulator;
}

async function handle(request: ChildRequest): Promise<unknown> {
  switch (request.op) {
    case 'start':
      emulator = await startEmulator(request.options as EmulatorOptions);
      return { url: emulator.url };
    case 'counters':
      return required().counters();
    case 'resetCounters':
      required().resetCounters();
      return null;
    case 'requests':
      return required()
        .requests(request.filter)
        .map((entry): LoggedRequest => {
          const body = entry.requestBody as { inputs?: unknown[] } | undefined;
          return { at: Date.parse(entry.at), route: entry.route, status: entry.status, hubId: entry.hubId ?? null, inputs: Array.isArray(body?.inputs) ? body.inputs.length : 0 };
        });
    case 'clearRequests':
      required().clearRequests();
      return null;
    case 'authorize':
      return required().authorize(request.request);
    case 'issueTokens':
      return required().issueTokens(request.options);
    case 'setFaults':
      return required().setFaults(request.rules);
    case 'setRateLimit':
      required().setRateLimit(request.options, request.hubId);
      return null;
    case 'contactCount':
      return required().contacts(request.hubId).length;
    case 'watchContact':
      return watchContact(request.hubId, request.email);
    case 'usage':
      return { cpu: process.cpuUsage(), rss: process.memoryUsage.rss() };
    case 'close':
      clearInterval(watchTimer);
      await emulator?.close();
      emulator = undefined;
      return null;
  }
}

process.on('message', (message: { id: number; request: ChildRequest }) => {
  handle(message.request).then(
    (value) => process.send?.({ id: message.id, ok: true, value } satisfies ChildReply),
    (error: unknown) => process.send?.({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies ChildReply),
  );
});
// The parent went away (crashed or finished): never linger.
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0, ok: true, value: 'ready' } satisfies ChildReply);
