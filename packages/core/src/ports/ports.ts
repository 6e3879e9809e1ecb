/**
 * The ports core talks to the world through. Every one is injectable and has a default, so tests
 * control time, randomness and I/O, and nothing happens at import time.
 */

/** Wall-clock time in epoch milliseconds. */
export interface Clock {
  now(): number;
}

/** Waits `ms` (or until the signal aborts, which rejects with the signal's reason). */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** A uniform number in [0, 1). */
export type Random = () => number;

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export type NotificationKind = 'must_reconnect' | 'reconnected';

export interface Notification {
  kind: NotificationKind;
  orgId: string;
  portalId: number | null;
  portalDomain: string | null;
  /** A plain-language message for the account owner. Never contains tokens. */
  text: string;
}

/** Tells a human (the org's account owner) that something needs them, e.g. Telegram. */
export interface Notifier {
  notify(notification: Notification): Promise<void>;
}

export type Fetch = typeof globalThis.fetch;

export const systemClock: Clock = { now: () => Date.now() };

export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Longest string a log field keeps: one pathological error (a whole SQL statement) must not flood the log. */
export const MAX_LOG_FIELD_LENGTH = 2_000;

function capField(value: unknown): unknown {
  return typeof value === 'string' && value.length > MAX_LOG_FIELD_LENGTH ? `${value.slice(0, MAX_LOG_FIELD_LENGTH - 1)}…` : value;
}

/** A logger that writes one JSON line per entry to stderr; hosts usually pass their own. */
export function createConsoleLogger(level: 'debug' | 'info' | 'warn' | 'error' = 'info'): Logger {
  const order = ['debug', 'info', 'warn', 'error'] as const;
  const min = order.indexOf(level);
  const write = (entryLevel: (typeof order)[number]) => (message: string, fields?: LogFields) => {
    if (order.indexOf(entryLevel) < min) return;
    const capped = fields ? Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, capField(value)])) : {};
    process.stderr.write(`${JSON.stringify({ level: entryLevel, time: new Date().toISOString(), msg: capField(message), ...capped })}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

export const nullNotifier: Notifier = { notify: async () => {} };
