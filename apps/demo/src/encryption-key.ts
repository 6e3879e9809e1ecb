import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateEncryptionKey } from '@jobcannon/hubspot-core';

export const KEY_FILE_NAME = 'token-encryption.key';

/**
 * The key HubSpot tokens are encrypted with. Outside production, when TOKEN_ENCRYPTION_KEY is not
 * set, one is generated on the first start and kept in `<dataDir>/token-encryption.key` (readable by
 * this user only): a key generated per start would make every stored token undecryptable after a
 * restart. Deleting `.data` deletes the key together with the database it protects.
 */
export async function loadOrCreateEncryptionKey(dataDir: string): Promise<{ key: string; created: boolean; file: string }> {
  const file = path.join(dataDir, KEY_FILE_NAME);
  try {
    return { key: (await readFile(file, 'utf8')).trim(), created: false, file };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const key = generateEncryptionKey();
  // 'wx': if another process wrote it in the meantime, fail rather than overwrite its key.
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return { key, created: true, file };
}
