import { describe, expect, it } from 'vitest';
import { Signature } from '@hubspot/api-client';
import { signWebhookV1, signWebhookV3, signWebhookV3RawUri, verifyWebhookV3 } from './webhook-signature.js';

const secret = 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy';

describe('webhook signatures (vectors from hubspot-api.md §7)', () => {
  it('signs v3 like HubSpot', () => {
    expect(signWebhookV3({ clientSecret: secret, method: 'POST', url: 'https://www.example.com/webhook_uri', body: "{'example_field':'example_value'}", timestamp: 1693657560000 })).toBe(
      'K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y=',
    );
  });

  it('signs v1 like HubSpot', () => {
    const body = '[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]';
    expect(signWebhookV1({ clientSecret: secret, body })).toBe('232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de');
  });

  const base = {
    clientSecret: secret,
    method: 'POST',
    url: 'https://www.example.com/webhook_uri',
    rawBody: "{'example_field':'example_value'}",
    signature: 'K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y=',
    timestamp: '1693657560000',
    now: 1693657560000 + 1_000,
  };

  it('accepts the vector within the window', () => expect(verifyWebhookV3(base)).toEqual({ valid: true, uri: 'decoded' }));
  it('refuses a stale timestamp', () => expect(verifyWebhookV3({ ...base, now: 1693657560000 + 300_001 })).toEqual({ valid: false, reason: 'stale' }));
  it('allows clock skew ahead as wide as the age window (hubspot-api.md §11), and no wider', () => {
    expect(verifyWebhookV3({ ...base, now: 1693657560000 - 120_000 })).toEqual({ valid: true, uri: 'decoded' });
    expect(verifyWebhookV3({ ...base, now: 1693657560000 - 300_000 })).toEqual({ valid: true, uri: 'decoded' });
    expect(verifyWebhookV3({ ...base, now: 1693657560000 - 300_001 })).toEqual({ valid: false, reason: 'future' });
    expect(verifyWebhookV3({ ...base, now: 1693657560000 + 60_000, maxAgeMs: 30_000 })).toEqual({ valid: false, reason: 'stale' });
    expect(verifyWebhookV3({ ...base, now: 1693657560000 - 60_000, maxAgeMs: 30_000 })).toEqual({ valid: false, reason: 'future' });
  });
  it('refuses a tampered body', () => expect(verifyWebhookV3({ ...base, rawBody: "{'example_field':'other'}" })).toEqual({ valid: false, reason: 'mismatch' }));
  it('refuses the wrong URL', () => expect(verifyWebhookV3({ ...base, url: 'https://www.example.com/webhook_uri/' })).toEqual({ valid: false, reason: 'mismatch' }));
  it('refuses a missing signature or timestamp', () => {
    expect(verifyWebhookV3({ ...base, signature: undefined })).toEqual({ valid: false, reason: 'missing_signature' });
    expect(verifyWebhookV3({ ...base, timestamp: 'soon' })).toEqual({ valid: false, reason: 'missing_timestamp' });
    expect(verifyWebhookV3({ ...base, timestamp: '1693657560000.5' })).toEqual({ valid: false, reason: 'missing_timestamp' });
    expect(verifyWebhookV3({ ...base, signature: 'short' })).toEqual({ valid: false, reason: 'mismatch' });
  });

  describe('the URI under both readings (docs decode 12 escapes, the official clients none)', () => {
    const url = 'https://hooks.example.com/hubspot/webhooks?target=https%3A%2F%2Fapp.example.com%2Fx&by=ops%40example.com';
    const body = '[{"eventId":1}]';
    const timestamp = '1693657560000';
    const now = 1693657560000;

    it('the raw form is byte for byte what @hubspot/api-client signs', () => {
      const official = Signature.getSignature('POST', 'v3', { clientSecret: secret, url, requestBody: body, timestamp: Number(timestamp), signature: '' });
      expect(signWebhookV3RawUri({ clientSecret: secret, method: 'POST', url, body, timestamp })).toBe(official);
      expect(signWebhookV3({ clientSecret: secret, method: 'POST', url, body, timestamp })).not.toBe(official);
    });

    it('accepts either, and says which matched', () => {
      const common = { clientSecret: secret, method: 'POST', url, rawBody: body, timestamp, now };
      expect(verifyWebhookV3({ ...common, signature: signWebhookV3({ ...common, body }) })).toEqual({ valid: true, uri: 'decoded' });
      expect(verifyWebhookV3({ ...common, signature: signWebhookV3RawUri({ ...common, body }) })).toEqual({ valid: true, uri: 'raw' });
      expect(verifyWebhookV3({ ...common, rawBody: Buffer.from(body), signature: signWebhookV3RawUri({ ...common, body }) })).toEqual({ valid: true, uri: 'raw' });
    });

    it('still refuses a signature over another URI under either reading', () => {
      const common = { clientSecret: secret, method: 'POST', rawBody: body, timestamp, now };
      const signature = signWebhookV3RawUri({ ...common, url, body });
      expect(verifyWebhookV3({ ...common, url: url.replace('%40', '%2540'), signature })).toEqual({ valid: false, reason: 'mismatch' });
      expect(verifyWebhookV3({ ...common, url: `${url}&x=1`, signature })).toEqual({ valid: false, reason: 'mismatch' });
      expect(verifyWebhookV3({ ...common, url, signature, clientSecret: 'another-secret' })).toEqual({ valid: false, reason: 'mismatch' });
    });
  });
  it('decodes only the escapes HubSpot decodes', () => {
    const signed = signWebhookV3({ clientSecret: secret, method: 'POST', url: 'https://x.io/hook?a=b:c', body: '', timestamp: 1 });
    expect(signWebhookV3({ clientSecret: secret, method: 'POST', url: 'https://x.io/hook?a=b%3Ac', body: '', timestamp: 1 })).toBe(signed);
    expect(signWebhookV3({ clientSecret: secret, method: 'POST', url: 'https://x.io/hook?a=b%20c', body: '', timestamp: 1 })).not.toBe(
      signWebhookV3({ clientSecret: secret, method: 'POST', url: 'https://x.io/hook?a=b c', body: '', timestamp: 1 }),
    );
  });
});
