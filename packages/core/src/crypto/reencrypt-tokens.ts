import { isHubSpotKitError } from '../errors.js';
import type { IntegrationContext } from '../integration/integration-context.js';
import type { ReencryptTokensOptions, ReencryptTokensReport } from '../integration/types.js';
import { getConnectionForUpdate, updateConnection } from '../storage/connections-repository.js';
import type { TokenCipher } from './token-cipher.js';

type Outcome = 'reencrypted' | 'alreadyCurrent' | 'failed' | 'gone';

/**
 * Moves every stored OAuth token to the keyring's current key, so an old key can leave the
 * keyring after a rotation. One connection at a time, each under its row lock (a refresh in
 * another process writes the same columns). Every token is decrypted, current key or not: a key
 * whose material changed under the same id shows up as `failed`, not as `alreadyCurrent`. A
 * connection that fails is left as it was (its problem says DECRYPTION_FAILED); one that now
 * decrypts loses a stale DECRYPTION_FAILED problem.
 */
export async function reencryptTokens(ctx: IntegrationContext, cipher: TokenCipher, options: ReencryptTokensOptions = {}): Promise<ReencryptTokensReport> {
  const report: ReencryptTokensReport = { scanned: 0, reencrypted: 0, alreadyCurrent: 0, failed: 0 };
  const rows = (await ctx
    .db('hubspot_connections')
    .whereRaw('access_token_enc IS NOT NULL OR refresh_token_enc IS NOT NULL')
    .orderBy('org_id')
    .select('org_id')) as Array<{ org_id: string }>;
  for (const { org_id: orgId } of rows) {
    if (options.signal?.aborted) break;
    const outcome = await reencryptOne(ctx, cipher, orgId);
    if (outcome === 'gone') continue;
    report.scanned += 1;
    report[outcome] += 1;
  }
  ctx.logger.info('hubspot token re-encryption finished', { ...report, currentKeyId: cipher.currentKeyId });
  return report;
}

async function reencryptOne(ctx: IntegrationContext, cipher: TokenCipher, orgId: string): Promise<Outcome> {
  try {
    return await ctx.db.transaction(async (trx) => {
      const connection = await getConnectionForUpdate(trx, orgId);
      if (!connection || (connection.accessTokenEnc === null && connection.refreshTokenEnc === null)) return 'gone';
      const stored = [connection.accessTokenEnc, connection.refreshTokenEnc];
      // Throws DECRYPTION_FAILED before anything is written.
      const [access, refresh] = stored.map((envelope) => (envelope === null ? null : cipher.decrypt(envelope)));
      const current = stored.every((envelope) => envelope === null || cipher.keyIdOf(envelope) === cipher.currentKeyId);
      const at = ctx.now();
      const staleProblem = connection.lastErrorCode === 'DECRYPTION_FAILED' ? { lastErrorCode: null, lastErrorMessage: null, lastErrorDetails: null, lastErrorAt: null } : {};
      if (current) {
        if (connection.lastErrorCode === 'DECRYPTION_FAILED') await updateConnection(trx, orgId, staleProblem, at);
        return 'alreadyCurrent';
      }
      await updateConnection(
        trx,
        orgId,
        {
          accessTokenEnc: access === null || access === undefined ? null : cipher.encrypt(access),
          refreshTokenEnc: refresh === null || refresh === undefined ? null : cipher.encrypt(refresh),
          ...staleProblem,
        },
        at,
      );
      return 'reencrypted';
    });
  } catch (error) {
    if (!isHubSpotKitError(error, 'DECRYPTION_FAILED')) throw error;
    // Logged for the operator with the key ids involved (never the keys): they decide which key to restore.
    const keyIds = await ctx
      .db('hubspot_connections')
      .where({ org_id: orgId })
      .first('access_token_enc', 'refresh_token_enc')
      .then((row: { access_token_enc: string | null; refresh_token_enc: string | null } | undefined) =>
        [row?.access_token_enc, row?.refresh_token_enc].filter((envelope): envelope is string => typeof envelope === 'string').map((envelope) => cipher.keyIdOf(envelope)),
      );
    ctx.logger.warn('a stored HubSpot token could not be re-encrypted: no key in the keyring opens it', { orgId, keyIds: [...new Set(keyIds)], message: error.message });
    return 'failed';
  }
}
