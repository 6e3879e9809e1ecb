import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CLI_PORT, parseCliArgs } from './cli-args.js';

describe('parseCliArgs', () => {
  it('defaults to port 4010 and no overrides', () => {
    const { options, issueTokens, help } = parseCliArgs([]);
    expect(options.port).toBe(DEFAULT_CLI_PORT);
    expect(options.apps).toBeUndefined();
    expect(options.portals).toBeUndefined();
    expect(issueTokens).toBe(false);
    expect(help).toBe(false);
  });

  it('maps every flag', () => {
    const { options, issueTokens } = parseCliArgs([
      '--port', '0', '--host', '0.0.0.0', '--seed', 's1', '--profile', 'professional', '--secondly', '10', '--retry-after',
      '--client-id', 'cid', '--client-secret', 'sec', '--app-name', 'My App', '--redirect-uri', 'https://a/cb', '--redirect-uri', 'https://b/cb',
      '--portal', '11,12', '--portal', '13', '--multi-status', '--no-shuffle', '--strict-email', '--extra-tld', 'test', '--token-ttl', '60', '--issue-tokens',
    ]);
    expect(options).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      seed: 's1',
      rateLimit: { profile: 'professional', secondly: 10, retryAfter: true },
      apps: [{ clientId: 'cid', clientSecret: 'sec', name: 'My App', redirectUris: ['https://a/cb', 'https://b/cb'] }],
      portals: [{ hubId: 11 }, { hubId: 12 }, { hubId: 13 }],
      contacts: { upsertMode: 'multi-status', shuffleResults: false, emailMatching: 'strict', extraTlds: ['test'] },
      accessTokenTtlSeconds: 60,
    });
    expect(issueTokens).toBe(true);
  });

  it('reads a JSON config that flags override', () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-cli-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ port: 5000, seed: 'from-file', rateLimit: { max: 50 } }));
    const { options } = parseCliArgs(['--config', file, '--seed', 'from-flag']);
    expect(options).toMatchObject({ port: 5000, seed: 'from-flag', rateLimit: { max: 50 } });
  });

  it('rejects bad values and unknown flags', () => {
    expect(() => parseCliArgs(['--port', 'abc'])).toThrow(/--port/);
    expect(() => parseCliArgs(['--profile', 'huge'])).toThrow(/--profile/);
    expect(() => parseCliArgs(['--bogus'])).toThrow();
  });
});
