import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isHubSpotKitError } from '../errors.js';
import { createTokenCipher, generateEncryptionKey } from './token-cipher.js';

const token = 'CJT-access-token-çà-🙂-' + 'x'.repeat(200);

function expectCode(action: () => unknown, code: 'DECRYPTION_FAILED' | 'ENCRYPTION_KEY_MISSING'): Error {
  try {
    action();
  } catch (error) {
    expect(isHubSpotKitError(error, code), String(error)).toBe(true);
    return error as Error;
  }
  throw new Error(`expected ${code}`);
}

describe('token cipher', () => {
  it('round-trips, with a fresh IV every time', () => {
    const cipher = createTokenCipher({ currentKeyId: 'k1', keys: { k1: generateEncryptionKey() } });
    const a = cipher.encrypt(token);
    const b = cipher.encrypt(token);
    expect(a).not.toBe(b);
    expect(cipher.decrypt(a)).toBe(token);
    expect(cipher.decrypt(b)).toBe(token);
    expect(cipher.decrypt(cipher.encrypt(''))).toBe('');
    expect(cipher.currentKeyId).toBe('k1');
  });

  it('writes a v1 envelope with the key id and never the plaintext', () => {
    const cipher = createTokenCipher({ currentKeyId: 'k1', keys: { k1: generateEncryptionKey() } });
    const envelope = cipher.encrypt(token);
    const parts = envelope.split('.');
    expect(parts).toHaveLength(5);
    expect(parts.slice(0, 2)).toEqual(['v1', 'k1']);
    expect(Buffer.from(parts[2] ?? '', 'base64url')).toHaveLength(12);
    expect(Buffer.from(parts[3] ?? '', 'base64url')).toHaveLength(16);
    expect(envelope).not.toContain('CJT-access-token');
    expect(Buffer.from(parts[4] ?? '', 'base64url').toString('utf8')).not.toContain('access-token');
  });

  it('rotates keys: new writes use the current id, old ids still decrypt', () => {
    const oldKey = generateEncryptionKey();
    const before = createTokenCipher({ currentKeyId: '2025-01', keys: { '2025-01': oldKey } });
    const oldEnvelope = before.encrypt(token);

    const after = createTokenCipher({ currentKeyId: '2026-05', keys: { '2025-01': oldKey, '2026-05': randomBytes(32) } });
    expect(after.decrypt(oldEnvelope)).toBe(token);
    const newEnvelope = after.encrypt(token);
    expect(newEnvelope.startsWith('v1.2026-05.')).toBe(true);
    expect(after.decrypt(newEnvelope)).toBe(token);
    // Retiring the old key makes its envelopes unreadable, loudly.
    const retired = createTokenCipher({ currentKeyId: '2026-05', keys: { '2026-05': randomBytes(32) } });
    expectCode(() => retired.decrypt(oldEnvelope), 'DECRYPTION_FAILED');
    // The operator learns the id from keyIdOf, not from an error that may reach a browser.
    expect(retired.keyIdOf(oldEnvelope)).toBe('2025-01');
    expect(retired.keyIdOf('not-an-envelope')).toBeNull();
  });

  // Failed before: the messages said 'uses key id "2025-01"' / 'with key id "k1"' and details held { keyId }.
  it('names no key id in a decryption error (message or details): they can reach the browser', () => {
    const written = createTokenCipher({ currentKeyId: 'secret-key-id-7', keys: { 'secret-key-id-7': generateEncryptionKey() } });
    const envelope = written.encrypt(token);
    const missing = createTokenCipher({ currentKeyId: 'other', keys: { other: generateEncryptionKey() } });
    const changed = createTokenCipher({ currentKeyId: 'secret-key-id-7', keys: { 'secret-key-id-7': generateEncryptionKey() } });
    const [, , iv, tag, data] = envelope.split('.');
    const malformed = ['v1', 'secret-key-id-7', (iv ?? '').slice(2), tag, data].join('.');
    for (const error of [expectCode(() => missing.decrypt(envelope), 'DECRYPTION_FAILED'), expectCode(() => changed.decrypt(envelope), 'DECRYPTION_FAILED'), expectCode(() => changed.decrypt(malformed), 'DECRYPTION_FAILED')]) {
      expect(error.message).not.toContain('secret-key-id-7');
      expect(JSON.stringify((error as Error & { details: unknown }).details)).not.toContain('secret-key-id-7');
    }
  });

  it('detects tampering with any part of the envelope', () => {
    const cipher = createTokenCipher({ currentKeyId: 'k1', keys: { k1: generateEncryptionKey(), k2: generateEncryptionKey() } });
    const envelope = cipher.encrypt(token);
    const parts = envelope.split('.');
    const flip = (part: string) => {
      const bytes = Buffer.from(part, 'base64url');
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      return bytes.toString('base64url');
    };
    const tampered = [
      [parts[0], parts[1], flip(parts[2] ?? ''), parts[3], parts[4]],
      [parts[0], parts[1], parts[2], flip(parts[3] ?? ''), parts[4]],
      [parts[0], parts[1], parts[2], parts[3], flip(parts[4] ?? '')],
      [parts[0], 'k2', parts[2], parts[3], parts[4]],
      [parts[0], 'nope', parts[2], parts[3], parts[4]],
      ['v2', ...parts.slice(1)],
    ].map((list) => list.join('.'));
    for (const candidate of [...tampered, 'garbage', '', `${envelope}.extra`, envelope.slice(0, -4)]) {
      expectCode(() => cipher.decrypt(candidate), 'DECRYPTION_FAILED');
    }
  });

  it('refuses keys that are not 32 bytes, naming the key id but never the key', () => {
    const short = randomBytes(16).toString('base64');
    const error = expectCode(() => createTokenCipher({ currentKeyId: 'k1', keys: { k1: short } }), 'ENCRYPTION_KEY_MISSING');
    expect(error.message).toContain('"k1"');
    expect(error.message).not.toContain(short);
    expectCode(() => createTokenCipher({ currentKeyId: 'k1', keys: { k1: randomBytes(31) } }), 'ENCRYPTION_KEY_MISSING');
    expectCode(() => createTokenCipher({ currentKeyId: 'k1', keys: { k1: 'not base64 at all!' } }), 'ENCRYPTION_KEY_MISSING');
    expectCode(() => createTokenCipher({ currentKeyId: 'k1', keys: { k1: '' } }), 'ENCRYPTION_KEY_MISSING');
    // A bad old key fails at start-up too, not at the first decrypt that needs it.
    expectCode(
      () => createTokenCipher({ currentKeyId: 'k1', keys: { k1: generateEncryptionKey(), k0: 'c2hvcnQ=' } }),
      'ENCRYPTION_KEY_MISSING',
    );
  });

  it('refuses a current key id without a key, and key ids that would break the envelope', () => {
    expectCode(() => createTokenCipher({ currentKeyId: 'k2', keys: { k1: generateEncryptionKey() } }), 'ENCRYPTION_KEY_MISSING');
    expectCode(() => createTokenCipher({ currentKeyId: '', keys: {} }), 'ENCRYPTION_KEY_MISSING');
    expectCode(() => createTokenCipher({ currentKeyId: 'a.b', keys: { 'a.b': generateEncryptionKey() } }), 'ENCRYPTION_KEY_MISSING');
  });

  it('accepts base64url keys and Buffers', () => {
    const raw = randomBytes(32);
    const fromUrl = createTokenCipher({ currentKeyId: 'k', keys: { k: raw.toString('base64url') } });
    const fromBuffer = createTokenCipher({ currentKeyId: 'k', keys: { k: raw } });
    expect(fromBuffer.decrypt(fromUrl.encrypt(token))).toBe(token);
    expect(Buffer.from(generateEncryptionKey(), 'base64')).toHaveLength(32);
  });
});
