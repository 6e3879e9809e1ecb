import { HubSpotKitError } from '@jobcannon/hubspot-core';
import type { IncomingMessage } from 'node:http';

/** What body parsers (Express's or any other) leave on the request (body-parser 1.x sets `_body`; the `verify` recipe sets `rawBody`). */
interface ParsedRequest {
  _body?: unknown;
  rawBody?: unknown;
  body?: unknown;
}

/** JSON bodies of the widget's calls are tiny (`{ ids }`); this only stops abuse. */
export const JSON_BODY_LIMIT = 100 * 1024;

export const RAW_BODY_MISSING =
  'The HubSpot webhook body was already read by a body parser mounted before this router, so its signature cannot be checked. ' +
  'Mount the router before express.json(), or keep the raw bytes: express.json({ verify: (req, _res, buf) => { req.rawBody = buf } }).';

/**
 * Whether something upstream (express.json(), express.raw(), …) already read the stream. Reading
 * it again would wait forever, so we look rather than try: body-parser 1.x flags `_body`, and
 * body-parser 2.x (like any reader) leaves the stream ended.
 */
export function bodyConsumed(req: IncomingMessage): boolean {
  return (req as ParsedRequest)._body === true || req.readableEnded || (req.complete && !req.readable);
}

/** Reads the unconsumed request stream, refusing more than `limit` bytes. */
export function readStream(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        // Node discards the rest of the body once the response is sent.
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      cleanup();
      reject(new Error('The client closed the connection before sending the whole body.'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/**
 * The exact bytes HubSpot sent, for the signature check: the stream itself when nothing read it,
 * else what the host kept (`req.rawBody` from the verify recipe, or a Buffer from express.raw()).
 * A parsed body is never turned back into bytes: re-serialised JSON differs from what was signed.
 */
export async function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const { rawBody, body } = req as ParsedRequest;
  if (Buffer.isBuffer(rawBody)) return rawBody;
  if (typeof rawBody === 'string') return Buffer.from(rawBody, 'utf8');
  if (!bodyConsumed(req)) return readStream(req, limit);
  if (Buffer.isBuffer(body)) return body;
  throw new HubSpotKitError('INTERNAL', RAW_BODY_MISSING);
}

/** A JSON body, whether the host parsed it already (json, text or raw parser) or left the stream to us. */
export async function readJsonBody(req: IncomingMessage, limit = JSON_BODY_LIMIT): Promise<unknown> {
  if (!bodyConsumed(req)) return parseJson((await readStream(req, limit)).toString('utf8'));
  const { rawBody, body } = req as ParsedRequest;
  if (Buffer.isBuffer(body)) return parseJson(body.toString('utf8'));
  if (typeof body === 'string') return parseJson(body);
  if (body !== undefined) return body;
  if (Buffer.isBuffer(rawBody) || typeof rawBody === 'string') return parseJson(rawBody.toString());
  return {};
}

export function parseJson(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HubSpotKitError('BAD_REQUEST', 'The request body is not valid JSON.');
  }
}

function tooLarge(limit: number): HubSpotKitError {
  return new HubSpotKitError('PAYLOAD_TOO_LARGE', `The request body is larger than ${limit} bytes.`, { details: { limit } });
}
