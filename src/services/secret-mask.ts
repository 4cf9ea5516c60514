// Masks a build's secrets in its log before a byte reaches disk: each value as printed, in hex,
// URL-, form- and JSON-encoded, and its base64 and base64url forms (also as a part of a longer
// base64 text, at any of the 3 offsets), so `echo $NPM_TOKEN | base64` is masked too. A value split across chunks is still found: the last
// (longest form - 1) bytes are held back until the next chunk or the end shows what follows them.
import { Transform, type TransformCallback } from 'node:stream';

export const MASK = '***';

/** Values shorter than this are not masked (a 1-letter secret would mask every such letter): the build fails instead. */
export const MIN_SECRET_LENGTH = 4;

/** Every form of the values the mask looks for, longest first (so a longer form wins over a part of it). */
export function maskedForms(values: string[]): string[] {
  const forms = new Set<string>();
  for (const value of values) {
    if (value.length < MIN_SECRET_LENGTH) continue;
    const bytes = Buffer.from(value, 'utf8');
    forms.add(bytes.toString('latin1'));
    // Whole, padding and all (as `base64` prints it), and as a part of a longer text below.
    forms.add(bytes.toString('base64'));
    forms.add(bytes.toString('base64url'));
    // Printed by a script as it would put the value in a URL, a form, JSON or a hex dump.
    for (const form of textForms(value, bytes)) forms.add(form);
    for (const offset of [0, 1, 2]) {
      for (const encoding of ['base64', 'base64url'] as const) {
        const form = base64Inside(bytes, offset, encoding);
        if (form.length >= MIN_SECRET_LENGTH) forms.add(form);
      }
    }
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/** Encodings that keep byte boundaries, so a form is found whole inside a longer text too. */
function textForms(value: string, bytes: Buffer): string[] {
  const hex = bytes.toString('hex');
  return [hex, hex.toUpperCase(), encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2), JSON.stringify(value).slice(1, -1)].map((form) => Buffer.from(form, 'utf8').toString('latin1'));
}

/**
 * The base64 characters that depend on `bytes` alone when they follow `offset` other bytes in a
 * longer text: the characters that mix in a neighbour's bits are left out.
 */
function base64Inside(bytes: Buffer, offset: number, encoding: 'base64' | 'base64url'): string {
  const text = Buffer.concat([Buffer.alloc(offset), bytes]).toString(encoding).replace(/=+$/, '');
  const first = Math.ceil((offset * 8) / 6);
  const bits = (offset + bytes.length) * 8;
  // A character whose 6 bits are all within the text; the last may be padded with zero bits, which a longer text would not have.
  const last = Math.floor(bits / 6) - 1;
  return text.slice(first, last + 1);
}

export class SecretMask extends Transform {
  private readonly forms: string[];
  private readonly holdBack: number;
  /** Bytes not yet written, as latin1 (one char per byte, so nothing is lost). */
  private pending = '';

  constructor(values: string[]) {
    super();
    this.forms = maskedForms(values);
    this.holdBack = Math.max(0, (this.forms[0]?.length ?? 0) - 1);
  }

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.forms.length === 0) return done(null, chunk);
    this.pending += Buffer.from(chunk).toString('latin1');
    const { text, rest } = this.mask(this.pending, false);
    this.pending = rest;
    done(null, text.length > 0 ? Buffer.from(text, 'latin1') : undefined);
  }

  override _flush(done: TransformCallback): void {
    const { text } = this.mask(this.pending, true);
    this.pending = '';
    done(null, text.length > 0 ? Buffer.from(text, 'latin1') : undefined);
  }

  /**
   * Masks what can be decided now. Every form that starts before `safe` fits whole in `input`
   * (forms are at most holdBack + 1 long), so it is found now; what starts later waits.
   */
  private mask(input: string, final: boolean): { text: string; rest: string } {
    const safe = final ? input.length : input.length - this.holdBack;
    let out = '';
    let at = 0;
    while (at < safe) {
      const hit = this.nextHit(input, at);
      if (!hit || hit.index >= safe) break;
      out += input.slice(at, hit.index) + MASK;
      at = hit.index + hit.length;
    }
    const cut = Math.max(at, safe);
    return { text: out + input.slice(at, cut), rest: input.slice(cut) };
  }

  /** The leftmost occurrence of any form from `from` (the longest one where two start together). */
  private nextHit(input: string, from: number): { index: number; length: number } | undefined {
    let best: { index: number; length: number } | undefined;
    for (const form of this.forms) {
      const index = input.indexOf(form, from);
      if (index >= 0 && (!best || index < best.index)) best = { index, length: form.length };
    }
    return best;
  }
}

/** `text` with every form of the values masked (for messages that leave the build: records, events). */
export function maskText(text: string, values: string[]): string {
  let out = Buffer.from(text, 'utf8').toString('latin1');
  for (const form of maskedForms(values)) out = out.split(form).join(MASK);
  return Buffer.from(out, 'latin1').toString('utf8');
}
