// Durations and sizes in YAML may be numbers or short strings; these turn them into numbers.

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const SIZE = /^(\d+(?:\.\d+)?)([kmg]i?b?|b)?$/i;

// The lookahead asks for a non-zero digit: a zero timeout or memory limit means "none" to Docker.
export const DURATION_PATTERN = '^(?=[^1-9]*[1-9])\\d+(\\.\\d+)?(ms|s|m|h)$';
export const SIZE_PATTERN = '^(?=[^1-9]*[1-9])\\d+(\\.\\d+)?([kKmMgG][iI]?[bB]?|[bB])?$';

/** Seconds as a number, or "500ms", "30s", "15m", "2h"; returns milliseconds. */
export function durationMs(value: number | string): number {
  if (typeof value === 'number') return value * 1000;
  const match = DURATION.exec(value.trim());
  if (!match) throw new Error(`"${value}" is not a duration: use seconds or e.g. "30s", "15m", "1h"`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(match[1]) * factor);
}

/** Bytes as a number, or "512m", "2g", "1GiB" (binary units, as Docker reads them); returns bytes. */
export function sizeBytes(value: number | string): number {
  if (typeof value === 'number') return value;
  const match = SIZE.exec(value.trim());
  if (!match) throw new Error(`"${value}" is not a size: use bytes or e.g. "512m", "2g"`);
  const unit = (match[2] ?? 'b').charAt(0).toLowerCase();
  const factor = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[unit as 'b' | 'k' | 'm' | 'g'];
  return Math.round(Number(match[1]) * factor);
}
