import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { LogFields, Logger } from '../ports/ports.js';
import { fromPino, protectLogger, toLoggerPort } from './logger-adapters.js';

/** A real pino logger writing its JSON lines into an array. */
function capturedPino() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

function capturingPort() {
  const entries: Array<{ level: string; message: string; fields: LogFields | undefined }> = [];
  const at = (level: string) => (message: string, fields?: LogFields) => entries.push({ level, message, fields });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, entries };
}

describe('fromPino', () => {
  it("puts the port's fields into pino's JSON line and the message into msg, at each level", () => {
    const { logger, lines } = capturedPino();
    const port = fromPino(logger);
    port.info('hubspot access token refreshed', { orgId: 'acme', portalId: 1001 });
    port.warn('read-back failed; will try again', { orgId: 'acme' });
    port.error('background drain failed');
    port.debug('knex: select 1');
    expect(lines.map(({ level, msg, orgId, portalId }) => ({ level, msg, orgId, portalId }))).toEqual([
      { level: 30, msg: 'hubspot access token refreshed', orgId: 'acme', portalId: 1001 },
      { level: 40, msg: 'read-back failed; will try again', orgId: 'acme', portalId: undefined },
      { level: 50, msg: 'background drain failed', orgId: undefined, portalId: undefined },
      { level: 20, msg: 'knex: select 1', orgId: undefined, portalId: undefined },
    ]);
  });

  it("keeps pino's child bindings", () => {
    const { logger, lines } = capturedPino();
    fromPino(logger.child({ component: 'hubspot' })).info('hubspot disconnected', { orgId: 'acme' });
    expect(lines[0]).toMatchObject({ component: 'hubspot', orgId: 'acme', msg: 'hubspot disconnected' });
  });

  it('is what the factory does with a pino logger given as is (the type fits the port)', () => {
    const { logger, lines } = capturedPino();
    // A pino logger is assignable to the port's type, so a host passes it without a cast...
    const given: Logger = logger;
    // ...and passed to pino in the port's order, the fields would be lost; detected, they are not.
    toLoggerPort(given).info('portal shared with another org', { orgId: 'acme', portalId: 7 });
    expect(lines[0]).toMatchObject({ msg: 'portal shared with another org', orgId: 'acme', portalId: 7 });
  });

  it('leaves a port that is not pino as it is', () => {
    const { logger } = capturingPort();
    expect(toLoggerPort(logger)).toBe(logger);
  });
});

describe('protectLogger', () => {
  it('never passes a candidate email above debug: email fields and addresses in any text become [email]', () => {
    const { logger, entries } = capturingPort();
    const safe = protectLogger(logger);
    safe.info('pushed candidate.1@example.com', { email: 'candidate.1@example.com', details: { emails: ['a@b.example'], note: 'to x.y+z@example.org now' } });
    safe.warn('Email address bad.tld@example.con is invalid', { message: 'Email address bad.tld@example.con is invalid', orgId: 'acme' });
    safe.debug('knex bindings', { email: 'candidate.1@example.com' });
    expect(entries[0]).toEqual({ level: 'info', message: 'pushed [email]', fields: { email: '[email]', details: { emails: '[email]', note: 'to [email] now' } } });
    expect(entries[1]).toEqual({ level: 'warn', message: 'Email address [email] is invalid', fields: { message: 'Email address [email] is invalid', orgId: 'acme' } });
    // debug is for whoever investigates: the address is the point there.
    expect(entries[2]!.fields).toEqual({ email: 'candidate.1@example.com' });
  });

  it('never passes a token or a secret at any level', () => {
    const { logger, entries } = capturingPort();
    const safe = protectLogger(logger);
    const fields = { accessToken: 'CJSP5qf1KhICAQEYs-gDIIGOBii1hQIyGQAf3xBKmlwHjX7OIpuIFEavB2-qYAGQsF4', refresh_token: 'r-1', clientSecret: 's', headers: { authorization: 'Bearer abc.def' }, orgId: 'acme' };
    for (const level of ['debug', 'info', 'warn', 'error'] as const) safe[level]('call failed: Bearer abc.def-123 was refused', fields);
    for (const entry of entries) {
      expect(entry.message).toBe('call failed: Bearer [redacted] was refused');
      expect(entry.fields).toEqual({ accessToken: '[redacted]', refresh_token: '[redacted]', clientSecret: '[redacted]', headers: { authorization: '[redacted]' }, orgId: 'acme' });
    }
  });

  it('keeps ordinary facts, numbers, dates and error codes as they are', () => {
    const { logger, entries } = capturingPort();
    const at = new Date(0);
    protectLogger(logger).info('hubspot rate limit learned from headers', { portalId: 1001, previous: 100, max: 190, at, code: 'HUBSPOT_RATE_LIMITED', keyIds: ['k1'] });
    expect(entries[0]!.fields).toEqual({ portalId: 1001, previous: 100, max: 190, at, code: 'HUBSPOT_RATE_LIMITED', keyIds: ['k1'] });
  });

  it('feeds pino through fromPino with the same guarantees', () => {
    const { logger, lines } = capturedPino();
    protectLogger(toLoggerPort(logger)).info('pushed', { email: 'candidate.2@example.com', accessToken: 'secret-token' });
    expect(lines[0]).toMatchObject({ msg: 'pushed', email: '[email]', accessToken: '[redacted]' });
    expect(JSON.stringify(lines)).not.toMatch(/candidate\.2@example\.com|secret-token/);
  });
});
