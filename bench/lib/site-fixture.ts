// Deterministic, realistic-looking build output for the benchmarks: minified-JS-like text that
// compresses about as well as real bundles, CSS, a real PNG and font-like binary files.
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { seededRandom } from '../../test/support/seeded-random.js';

const WORDS = ['state', 'props', 'value', 'render', 'update', 'children', 'element', 'context', 'effect', 'memo', 'callback', 'ref', 'key', 'type', 'length', 'push', 'map', 'filter', 'reduce', 'forEach', 'then', 'catch', 'resolve', 'reject', 'Promise', 'Object', 'Array', 'String', 'Symbol', 'prototype', 'call', 'apply', 'bind', 'createElement', 'useState', 'useEffect', 'dispatch', 'action', 'payload', 'error', 'message', 'document', 'window', 'addEventListener', 'querySelector', 'className', 'style', 'display', 'hidden', 'fetch', 'json', 'headers', 'method', 'body', 'status'];
const STRINGS = ['Something went wrong', 'Loading…', 'Unexpected token', 'Invalid hook call', 'application/json', 'Content-Type', 'click', 'keydown', 'submit', 'aria-label', 'data-testid', 'button', 'input', 'disabled', 'Cannot read properties of undefined', 'https://api.example.com/v1/', 'Retry', 'Cancel', 'Save changes'];

/** Minified-JS-like text of about `bytes` bytes; `seed` changes the identifiers and literals. */
export function jsLike(bytes: number, seed: number, marker: string): string {
  const rnd = seededRandom(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  const ident = () => (rnd() < 0.6 ? String.fromCharCode(97 + Math.floor(rnd() * 26)) + (rnd() < 0.5 ? String.fromCharCode(65 + Math.floor(rnd() * 26)) : '') : pick(WORDS));
  const expr = (): string => {
    const r = rnd();
    if (r < 0.2) return `${ident()}.${pick(WORDS)}(${ident()},${Math.floor(rnd() * 1000)})`;
    if (r < 0.35) return `"${pick(STRINGS)}"`;
    if (r < 0.5) return `${ident()}?${ident()}.${pick(WORDS)}:${ident()}`;
    if (r < 0.65) return `{${pick(WORDS)}:${ident()},${pick(WORDS)}:${Math.floor(rnd() * 100)}}`;
    if (r < 0.8) return `(${ident()})=>${ident()}.${pick(WORDS)}(${ident()})`;
    return `${ident()}[${ident()}]`;
  };
  const parts = [`const OPUS_BENCH_VERSION="${marker}";`];
  let size = parts[0]!.length;
  let n = 0;
  while (size < bytes) {
    const fn = `function ${ident()}${n++}(${ident()},${ident()}){var ${ident()}=${expr()};if(${ident()}.${pick(WORDS)}===${expr()})return ${expr()};for(let ${ident()}=0;${ident()}<${ident()}.length;${ident()}++)${ident()}.${pick(WORDS)}(${expr()});return ${expr()}}`;
    parts.push(fn);
    size += fn.length;
  }
  parts.push(`export{${ident()}0 as default};/* ${marker} */\n`);
  return parts.join('').slice(0, bytes - 20) + `/*v:${marker}*/\n`;
}

export function cssLike(bytes: number, seed: number): string {
  const rnd = seededRandom(seed);
  const props = ['display:flex', 'margin:0 auto', 'padding:.5rem 1rem', 'color:#1f2937', 'background:#fff', 'border-radius:6px', 'font-weight:600', 'line-height:1.5', 'gap:12px', 'align-items:center', 'justify-content:space-between', 'box-shadow:0 1px 2px #0000000d', 'transition:all .15s ease'];
  let out = ':root{--brand:#4f46e5;--fg:#111827}*,:before,:after{box-sizing:border-box}';
  for (let i = 0; out.length < bytes; i++) {
    const selector = `.${String.fromCharCode(97 + Math.floor(rnd() * 26))}${i.toString(36)}${rnd() < 0.3 ? ':hover' : ''}`;
    out += `${selector}{${Array.from({ length: 2 + Math.floor(rnd() * 4) }, () => props[Math.floor(rnd() * props.length)]).join(';')}}`;
  }
  return out;
}

/** A valid PNG of noisy pixels (photo-like: does not compress much); size grows with width*height. */
export function pngImage(width: number, height: number, seed: number): Buffer {
  const rnd = seededRandom(seed);
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0;
    for (let x = 0; x < width * 3; x++) raw[row + 1 + x] = (Math.floor(rnd() * 64) + ((x * 2 + y) & 0xbf)) & 0xff;
  }
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 6 })), chunk('IEND', Buffer.alloc(0))]);
}

/** Binary font-like bytes (woff2 is already compressed: random is a fair stand-in). */
export function fontLike(bytes: number, seed: number): Buffer {
  const rnd = seededRandom(seed);
  const out = Buffer.alloc(bytes);
  out.write('wOF2', 0, 'latin1');
  for (let i = 4; i < bytes; i++) out[i] = Math.floor(rnd() * 256);
  return out;
}

let crcTable: Uint32Array | undefined;
function crc32(data: Buffer): number {
  crcTable ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let crc = 0xffffffff;
  for (const byte of data) crc = (crcTable[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Vite-style content hash of a file name: 8 characters of base64url with at least one digit and letter. */
export function viteHash(content: string | Buffer): string {
  const hash = createHash('sha256').update(content).digest('base64url').slice(0, 8);
  return /\d/.test(hash) && /[A-Za-z]/.test(hash) ? hash : `${hash.slice(0, 7)}7`;
}

/** index.html the way Vite writes it (base './'), with a version marker. ~1.5 KB. */
export function indexHtml(marker: string, scripts: string[], styles: string[]): string {
  const head = [
    '<!doctype html>',
    '<html lang="en">',
    '  <head>',
    '    <meta charset="UTF-8" />',
    '    <link rel="icon" type="image/svg+xml" href="./favicon.svg" />',
    '    <meta name="viewport" content="width=device-width, initial-scale=1.0" />',
    '    <meta name="description" content="Acme dashboard: projects, deployments and team settings in one place." />',
    '    <meta property="og:title" content="Acme dashboard" />',
    '    <meta property="og:description" content="Projects, deployments and team settings in one place." />',
    '    <meta name="theme-color" content="#4f46e5" />',
    '    <title>Acme dashboard</title>',
    ...scripts.map((src) => `    <script type="module" crossorigin src="./${src}"></script>`),
    ...styles.map((href) => `    <link rel="stylesheet" crossorigin href="./${href}">`),
    '  </head>',
  ];
  const body = [
    `  <body data-opus-version="${marker}">`,
    '    <noscript>You need to enable JavaScript to run this app. Please enable it in your browser settings and reload the page.</noscript>',
    '    <div id="root"><div class="splash" aria-busy="true"><svg width="48" height="48" viewBox="0 0 24 24" aria-hidden="true"><circle cx="12" cy="12" r="10" stroke="currentColor" stroke-width="2" fill="none" stroke-dasharray="31.4 31.4"/></svg><p>Loading the dashboard…</p></div></div>',
    '    <div id="modal-root"></div>',
    '    <div id="toast-root" role="status" aria-live="polite"></div>',
    '  </body>',
    '</html>',
  ];
  let html = [...head, ...body, ''].join('\n');
  // Pad with a realistic inline style to about 1.5 KB.
  if (html.length < 1500) html = html.replace('  </head>', `    <style>.splash{display:grid;place-items:center;height:100vh;color:#4f46e5;font:16px/1.5 system-ui,sans-serif}${' '.repeat(0)}${'.splash p{margin:8px 0 0}'.repeat(Math.ceil((1500 - html.length) / 24))}</style>\n  </head>`);
  return html;
}

/** The marker of an index.html and the JS it references (first module script), for checks. */
export function readIndex(html: string): { marker?: string; script?: string } {
  return { marker: /data-opus-version="([^"]+)"/.exec(html)?.[1], script: /<script type="module" crossorigin src="\.\/([^"]+)"/.exec(html)?.[1] };
}

export function jsMarker(js: string): string | undefined {
  return /^const OPUS_BENCH_VERSION="([^"]+)";/.exec(js)?.[1];
}
