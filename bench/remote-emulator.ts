// The parent side of bench/emulator-child.ts: the HubSpot emulator in a child process, with the slice
// of its API the benches use, made asynchronous (every call is one IPC round trip).
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type {
  AuthorizeRequest,
  AuthorizeResult,
  CountersSnapshot,
  EmulatorOptions,
  FaultRule,
  IssuedTokens,
  IssueTokensOptions,
  RateLimitOptions,
} from '@jobcannon/hubspot-emulator';

/** One API call as the emulator logged it; `at` is epoch ms, `inputs` the batch size (0 for other routes). */
export interface LoggedRequest {
  at: number;
  route: string;
  status: number;
  hubId: number | null;
  inputs: number;
}

export type ChildRequest =
  | { op: 'start'; options: EmulatorOptions }
  | { op: 'counters' }
  | { op: 'resetCounters' }
  | { op: 'requests'; filter: { hubId?: number; route?: string } }
  | { op: 'clearRequests' }
  | { op: 'authorize'; request: AuthorizeRequest }
  | { op: 'issueTokens'; options: IssueTokensOptions }
  | { op: 'setFaults'; rules: FaultRule[] }
  | { op: 'setRateLimit'; options: RateLimitOptions; hubId?: number }
  | { op: 'contactCount'; hubId: number }
  | { op: 'watchContact'; hubId: number; email: string }
  | { op: 'usage' }
  | { op: 'close' };

export type ChildReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

export interface ProcessUsage {
  cpu: NodeJS.CpuUsage;
  rss: number;
}

export interface RemoteEmulator {
  readonly url: string;
  counters(): Promise<CountersSnapshot>;
  resetCounters(): Promise<void>;
  /** The request log (start the emulator with a `requestLogLimit` large enough for the run). */
  requests(filter?: { hubId?: number; route?: string }): Promise<LoggedRequest[]>;
  clearRequests(): Promise<void>;
  authorize(request: AuthorizeRequest): Promise<AuthorizeResult>;
  issueTokens(options?: IssueTokensOptions): Promise<IssuedTokens>;
  setFaults(rules: FaultRule[]): Promise<FaultRule[]>;
  setRateLimit(options: RateLimitOptions, hubId?: number): Promise<void>;
  contactCount(hubId: number): Promise<number>;
  /**
   * Resolves with the wall-clock time (ms, sub-ms resolution) at which the contact became visible
   * in the emulator; register it before the push that creates the contact.
   */
  watchContact(hubId: number, email: string): Promise<number>;
  /** The child process's own CPU time and RSS. */
  usage(): Promise<ProcessUsage>;
  close(): Promise<void>;
}

const childPath = fileURLToPath(new URL('./emulator-child.ts', import.meta.url));

/** Forks the child (with this process's loader flags, so tsx and the source condition apply) and starts the emulator in it. */
export async function startRemoteEmulator(options: EmulatorOptions): Promise<RemoteEmulator> {
  const child: ChildProcess = fork(childPath, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let ready!: () => void;
  const readyPromise = new Promise<void>((resolve) => (ready = resolve));
  child.on('message', (reply: ChildReply) => {
    if (reply.id === 0) return ready();
    const waiter = pending.get(reply.id);
    pending.delete(reply.id);
    if (!waiter) return;
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(new Error(`emulator child: ${reply.error}`));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`the emulator child exited (code ${code})`));
    pending.clear();
  });

  const call = <T>(request: ChildRequest): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ id, request });
    });

  await Promise.race([readyPromise, exited.then(() => Promise.reject(new Error('the emulator child exited before it was ready')))]);
  const { url } = await call<{ url: string }>({ op: 'start', options });
  return {
    url,
    counters: () => call({ op: 'counters' }),
    resetCounters: () => call({ op: 'resetCounters' }),
    requests: (filter = {}) => call({ op: 'requests', filter }),
    clearRequests: () => call({ op: 'clearRequests' }),
    authorize: (request) => call({ op: 'authorize', request }),
    issueTokens: (issueOptions = {}) => call({ op: 'issueTokens', options: issueOptions }),
    setFaults: (rules) => call({ op: 'setFaults', rules }),
    setRateLimit: (limit, hubId) => call({ op: 'setRateLimit', options: limit, ...(hubId === undefined ? {} : { hubId }) }),
    contactCount: (hubId) => call({ op: 'contactCount', hubId }),
    watchContact: (hubId, email) => call({ op: 'watchContact', hubId, email }),
    usage: () => call({ op: 'usage' }),
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await call({ op: 'close' }).catch(() => undefined);
      child.disconnect();
      await exited;
    },
  };
}
