import { describe, expect, it } from 'vitest';
import { normalizeSignatureUri, signWebhookV1, signWebhookV3, verifyWebhookV3 } from './webhooks.js';

// The vectors are HubSpot's own (api-client tests and docs), quoted in docs/hubspot-api.md §7.
const SECRET = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';
const V3 = { clientSecret: SECRET, method: 'POST', uri: 'https://www.example.com/webhook_uri', body: "{'example_field':'example_value'}", timestamp: 1693657560000 };
const V1_BODY =
  '[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]';

describe('webhook signatures', () => {
  it('matches the v3 test vector', () => {
    expect(signWebhookV3(V3)).toBe('K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y=');
  });

  it('matches the v1 test vector', () => {
    expect(signWebhookV1({ clientSecret: SECRET, body: V1_BODY })).toBe('232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de');
  });

  it('decodes only the listed escapes before hashing', () => {
    expect(normalizeSignatureUri('https://h.example/p%3Aa%2Fb%3Fc%40d%21e%24f%27g%28h%29i%2Aj%2Ck%3Bl?q=%20x%2b')).toBe("https://h.example/p:a/b?c@d!e$f'g(h)i*j,k;l?q=%20x%2b");
    const encoded = signWebhookV3({ ...V3, uri: 'https://www.example.com/webhook%5Furi' });
    expect(encoded).not.toBe(signWebhookV3(V3)); // %5F is not in the list: it stays encoded
    expect(signWebhookV3({ ...V3, uri: 'https%3A%2F%2Fwww.example.com%2Fwebhook_uri' })).toBe(signWebhookV3(V3));
  });

  it('verifies the vector and rejects stale, future, wrong-URL and tampered requests', () => {
    const signature = signWebhookV3(V3);
    const now = V3.timestamp + 1000;
    expect(verifyWebhookV3({ ...V3, signature, now })).toEqual({ ok: true });
    expect(verifyWebhookV3({ ...V3, signature, now: V3.timestamp + 300_001 })).toEqual({ ok: false, reason: 'stale' });
    // Symmetric skew (failed before: 61 s ahead was already 'future'): a receiver clock up to 5 minutes slow still verifies.
    expect(verifyWebhookV3({ ...V3, signature, now: V3.timestamp - 120_000 })).toEqual({ ok: true });
    expect(verifyWebhookV3({ ...V3, signature, now: V3.timestamp - 300_000 })).toEqual({ ok: true });
    expect(verifyWebhookV3({ ...V3, signature, now: V3.timestamp - 300_001 })).toEqual({ ok: false, reason: 'future' });
    expect(verifyWebhookV3({ ...V3, signature, now: V3.timestamp - 60_001, maxAgeMs: 60_000 })).toEqual({ ok: false, reason: 'future' });
    expect(verifyWebhookV3({ ...V3, signature, now: V3.timestamp - 120_000, maxFutureMs: 60_000 })).toEqual({ ok: false, reason: 'future' });
    expect(verifyWebhookV3({ ...V3, uri: 'https://www.example.com/webhook_uri/', signature, now })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhookV3({ ...V3, uri: 'http://www.example.com/webhook_uri', signature, now })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhookV3({ ...V3, body: "{'example_field':'example_valuf'}", signature, now })).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifyWebhookV3({ ...V3, signature: undefined, now })).toEqual({ ok: false, reason: 'missing' });
  });
});
