import type { LogFields, Logger } from '../ports/ports.js';

type PinoLogFn = (fields: object, message?: string) => void;

/**
 * The part of a pino logger the kit calls (pino and pino-compatible loggers: fields object first,
 * message second). A pino `Logger` fits as is.
 */
export interface PinoLikeLogger {
  debug: PinoLogFn;
  info: PinoLogFn;
  warn: PinoLogFn;
  error: PinoLogFn;
}

/**
 * The kit's logger port from a pino logger. The port is `logger.info(message, fields)`; pino's is
 * `logger.info(fields, message)`, and handed the port's order pino would log the message and drop
 * the fields (it reads them as printf arguments). `createHubSpotIntegration` does this itself when
 * given a pino logger; the router and the sweep take a port, so pass them `fromPino(logger)`.
 */
export function fromPino(pino: PinoLikeLogger): Logger {
  const level = (write: PinoLogFn) => (message: string, fields?: LogFields) => write.call(pino, fields ?? {}, message);
  return { debug: level(pino.debug), info: level(pino.info), warn: level(pino.warn), error: level(pino.error) };
}

/** pino marks its instances with these (`pino.symbols`); a plain port has neither. */
function isPino(logger: object): logger is PinoLikeLogger {
  const candidate = logger as { levels?: { values?: unknown }; bindings?: unknown };
  return Symbol.for('pino.serializers') in logger || (typeof candidate.bindings === 'function' && typeof candidate.levels?.values === 'object');
}

/** The host's logger as the port: a pino logger is adapted, anything else taken as it is. */
export function toLoggerPort(logger: Logger | PinoLikeLogger): Logger {
  return isPino(logger) ? fromPino(logger) : (logger as Logger);
}

/** Field names whose values are credentials wherever they appear. */
const SECRET_KEY = /token|secret|password|passwd|authorization|cookie|api[-_]?key|credential/i;
/** Field names that hold a candidate's address. */
const EMAIL_KEY = /^e-?mails?$|^emailAddress$|^recipient$/i;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const BEARER = /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi;
/** Kept at most this deep: a log field is a fact, not a document. */
const MAX_DEPTH = 4;

/**
 * Wraps the host's logger so the kit's lines never carry credentials (fields named like a token or
 * secret, `Bearer …` in any text) at any level, nor a candidate's email at info, warn or error
 * (fields named `email`, and any address inside a message or a field's text, become `[email]`).
 * debug keeps emails: it is off unless someone is investigating, and then they are the point.
 */
export function protectLogger(logger: Logger): Logger {
  const clean = (value: unknown, keepEmails: boolean, depth: number): unknown => {
    if (typeof value === 'string') {
      const unbearered = value.replace(BEARER, 'Bearer [redacted]');
      return keepEmails ? unbearered : unbearered.replace(EMAIL, '[email]');
    }
    if (value === null || typeof value !== 'object' || value instanceof Date) return value;
    if (depth >= MAX_DEPTH) return '[object]';
    if (Array.isArray(value)) return value.map((item) => clean(item, keepEmails, depth + 1));
    if (value instanceof Error) return clean({ name: value.name, message: value.message }, keepEmails, depth);
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (SECRET_KEY.test(key) && item != null && item !== '') out[key] = '[redacted]';
      else if (!keepEmails && EMAIL_KEY.test(key) && item != null) out[key] = '[email]';
      else out[key] = clean(item, keepEmails, depth + 1);
    }
    return out;
  };
  const level = (name: keyof Logger, keepEmails: boolean) => (message: string, fields?: LogFields) => {
    const text = clean(String(message), keepEmails, 0) as string;
    if (fields === undefined) logger[name](text);
    else logger[name](text, clean(fields, keepEmails, 0) as LogFields);
  };
  return { debug: level('debug', true), info: level('info', false), warn: level('warn', false), error: level('error', false) };
}
