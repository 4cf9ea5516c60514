// Which files get precompressed brotli and gzip variants: text-like types that shrink.
const COMPRESSIBLE = new Set(['html', 'htm', 'css', 'js', 'mjs', 'cjs', 'json', 'map', 'svg', 'txt', 'xml', 'wasm', 'ico', 'ttf', 'otf', 'eot', 'webmanifest', 'md', 'csv', 'rss', 'atom']);
export const MIN_COMPRESS_BYTES = 256;

export function isCompressible(path: string, size: number): boolean {
  const extension = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return size >= MIN_COMPRESS_BYTES && extension !== undefined && COMPRESSIBLE.has(extension);
}
