/**
 * Encryption of OAuth tokens at rest: AES-256-GCM with a random 96-bit IV per message.
 *
 * Envelope: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts). The key id travels with the
 * ciphertext so keys can rotate: new writes use `currentKeyId`, older ids keep decrypting as long
 * as they stay in the keyring. The `v1.<keyId>` header is bound as additional authenticated data,
 * so relabelling an envelope with another key id fails authentication rather than being trusted.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { HubSpotKitError } from '../errors.js';
import type { EncryptionKeyring } from '../integration/types.js';

const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const BASE64_PATTERN = /^[A-Za-z0-9+/_-]+={0,2}$/;
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]*$/;

export interface TokenCipher {
  /** The key id new envelopes are written with. */
  readonly currentKeyId: string;
  encrypt(plaintext: string): string;
  /**
   * Throws `DECRYPTION_FAILED` for a malformed or tampered envelope or a key id not in the keyring.
   * Its message and details name no key id: they can end up in an HTTP answer or the status the
   * widget reads, and which keys exist is the operator's business (`keyIdOf` tells them).
   */
  decrypt(envelope: string): string;
  /** The key id an envelope says it was written with, or null when it is not a v1 envelope. */
  keyIdOf(envelope: string): string | null;
}

/**
 * Validates the whole keyring up front (every key 32 bytes, the current id present), so a bad
 * configuration fails at start-up with `ENCRYPTION_KEY_MISSING` rather than at the first refresh.
 * Messages name the key id, never the key.
 */
export function createTokenCipher(keyring: EncryptionKeyring): TokenCipher {
  const keys = new Map<string, Buffer>();
  for (const [keyId, material] of Object.entries(keyring.keys ?? {})) {
    if (!KEY_ID_PATTERN.test(keyId)) {
      throw new HubSpotKitError(
        'ENCRYPTION_KEY_MISSING',
        `Encryption key id "${keyId.slice(0, 64)}" is not usable: use 1-64 letters, digits, "_" or "-".`,
      );
    }
    keys.set(keyId, decodeKey(keyId, material));
  }
  const currentKeyId = keyring.currentKeyId;
  const currentKey = keys.get(currentKeyId);
  if (typeof currentKeyId !== 'string' || currentKeyId === '' || currentKey === undefined) {
    throw new HubSpotKitError(
      'ENCRYPTION_KEY_MISSING',
      `The current encryption key id "${String(currentKeyId)}" has no key in the keyring.`,
      { details: { keyId: currentKeyId, knownKeyIds: [...keys.keys()] } },
    );
  }

  return {
    currentKeyId,
    encrypt(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, currentKey, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(`${VERSION}.${currentKeyId}`, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [VERSION, currentKeyId, b64url(iv), b64url(tag), b64url(ciphertext)].join('.');
    },
    decrypt(envelope) {
      const parts = typeof envelope === 'string' ? envelope.split('.') : [];
      const [version, keyId, ivPart, tagPart, ciphertextPart] = parts;
      if (
        parts.length !== 5 ||
        version !== VERSION ||
        keyId === undefined ||
        ivPart === undefined ||
        tagPart === undefined ||
        ciphertextPart === undefined ||
        ![ivPart, tagPart, ciphertextPart].every((part) => BASE64URL_PATTERN.test(part))
      ) {
        throw new HubSpotKitError('DECRYPTION_FAILED', 'The encrypted token is not a v1 envelope.');
      }
      const key = keys.get(keyId);
      if (key === undefined) {
        throw new HubSpotKitError('DECRYPTION_FAILED', 'The encrypted token was written with a key that is not in the keyring.');
      }
      const iv = Buffer.from(ivPart, 'base64url');
      const tag = Buffer.from(tagPart, 'base64url');
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
        throw new HubSpotKitError('DECRYPTION_FAILED', 'The encrypted token is malformed.');
      }
      try {
        const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(`${VERSION}.${keyId}`, 'utf8'));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(Buffer.from(ciphertextPart, 'base64url')), decipher.final()]).toString('utf8');
      } catch (error) {
        throw new HubSpotKitError('DECRYPTION_FAILED', 'The encrypted token failed authentication (wrong key or tampered data).', { cause: error });
      }
    },
    keyIdOf(envelope) {
      const parts = typeof envelope === 'string' ? envelope.split('.') : [];
      return parts.length === 5 && parts[0] === VERSION && parts[1] !== undefined && KEY_ID_PATTERN.test(parts[1]) ? parts[1] : null;
    },
  };
}

/** A fresh random 32-byte key, base64-encoded (for TOKEN_ENCRYPTION_KEY). */
export function generateEncryptionKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

function decodeKey(keyId: string, material: string | Uint8Array): Buffer {
  let key: Buffer | null = null;
  if (typeof material === 'string') {
    const trimmed = material.trim();
    // Buffer.from(…, 'base64') silently skips junk, so check the alphabet before trusting a length.
    if (BASE64_PATTERN.test(trimmed)) key = Buffer.from(trimmed, 'base64');
  } else if (material instanceof Uint8Array) {
    key = Buffer.from(material);
  }
  if (key === null || key.length !== KEY_BYTES) {
    throw new HubSpotKitError(
      'ENCRYPTION_KEY_MISSING',
      `Encryption key "${keyId}" must be ${KEY_BYTES} bytes, given as base64 (e.g. from \`openssl rand -base64 32\`) or as a Buffer` +
        (key === null ? '; the value given is neither.' : `; it decodes to ${key.length} bytes.`),
      { details: { keyId } },
    );
  }
  return key;
}

function b64url(buffer: Buffer): string {
  return buffer.toString('base64url');
}
