import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_DATA_DIR, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('runs on embedded defaults with an empty environment', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      emulatorPort: 3001,
      production: false,
      dataDir: DEFAULT_DATA_DIR,
      databaseUrl: null,
      hubspot: null,
      tokenEncryptionKey: null,
      telegram: null,
    });
  });

  it('honours PORT, puts the emulator next to it, and treats blank values as unset', () => {
    const config = loadConfig({ PORT: '4100', DATABASE_URL: '  ', DEMO_DATA_DIR: 'tmp/demo-data' });
    expect(config.port).toBe(4100);
    expect(config.emulatorPort).toBe(4101);
    expect(config.databaseUrl).toBeNull();
    expect(config.dataDir).toBe(path.resolve('tmp/demo-data'));
  });

  it('switches to a real HubSpot app and PostgreSQL with their variables', () => {
    const config = loadConfig({
      PORT: '3000',
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/jobcannon',
      HUBSPOT_CLIENT_ID: 'id',
      HUBSPOT_CLIENT_SECRET: 'secret',
      TELEGRAM_BOT_TOKEN: 'bot',
      TELEGRAM_CHAT_ID: '42',
    });
    expect(config.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/jobcannon');
    expect(config.hubspot).toEqual({
      clientId: 'id',
      clientSecret: 'secret',
      redirectUri: 'http://localhost:3000/integrations/hubspot/callback',
      apiBase: 'https://api.hubapi.com',
      authBase: 'https://app.hubspot.com',
    });
    expect(config.telegram).toEqual({ botToken: 'bot', chatId: '42', apiBase: 'https://api.telegram.org' });
  });

  it('binds 127.0.0.1 unless HOST says otherwise, and checks HOST', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: ' ' }).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '::' }).host).toBe('::');
    expect(loadConfig({ HOST: 'demo.internal' }).host).toBe('demo.internal');
    expect(() => loadConfig({ HOST: 'http://0.0.0.0:3000' })).toThrow(/HOST: must be an IP address or a host name/);
  });

  it('refuses to start in production without TOKEN_ENCRYPTION_KEY', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/TOKEN_ENCRYPTION_KEY is required when NODE_ENV=production/);
    expect(loadConfig({ NODE_ENV: 'production', TOKEN_ENCRYPTION_KEY: 'k' }).production).toBe(true);
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(() => loadConfig({ HUBSPOT_REDIRECT_URI: 'not a url' })).toThrow(/HUBSPOT_REDIRECT_URI/);
    expect(() => loadConfig({ HUBSPOT_CLIENT_ID: 'id' })).toThrow(/HUBSPOT_CLIENT_SECRET/);
    expect(() => loadConfig({ TELEGRAM_BOT_TOKEN: 'bot' })).toThrow(/TELEGRAM_CHAT_ID/);
  });
});
