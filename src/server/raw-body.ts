// Reading a request body with a size limit, as bytes (a webhook's signature is over the raw body).
import type { IncomingMessage } from 'node:http';

export class BodyTooLarge extends Error {
  readonly status = 413;
  readonly expose = true;
  constructor(limit: number) {
    super(`the request body is larger than ${limit} bytes`);
  }
}

export async function readRawBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw new BodyTooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      req.resume();
      throw new BodyTooLarge(limit);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A small JSON object body (API calls); an empty body is `{}`. */
export async function readJsonObject(req: IncomingMessage, limit = 64 * 1024): Promise<Record<string, unknown>> {
  const text = (await readRawBody(req, limit)).toString('utf8').trim();
  if (text === '') return {};
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw Object.assign(new Error('the request body is not valid JSON'), { status: 400, expose: true });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw Object.assign(new Error('the request body must be a JSON object'), { status: 400, expose: true });
  return data as Record<string, unknown>;
}
