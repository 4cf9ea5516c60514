// Custom response headers in Netlify's `_headers` syntax (also settable in a project's YAML):
//   /path/*
//     X-Frame-Options: DENY
import { compilePattern, type PathPattern } from './path-pattern.js';
import type { ParsedRules } from './redirects.js';

export interface HeaderRule {
  for: string;
  values: Record<string, string>;
}

/** Headers a site may not set: they would break HTTP or Opus's own caching and framing. */
const PROTECTED = new Set(['content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive', 'proxy-connection', 'trailer', 'upgrade', 'etag', 'last-modified', 'vary', 'content-range', 'date']);

export function parseHeaders(text: string): ParsedRules<HeaderRule> {
  const rules: HeaderRule[] = [];
  const skipped: string[] = [];
  let current: HeaderRule | undefined;
  text.split('\n').forEach((raw, index) => {
    if (!raw.trim() || raw.trim().startsWith('#')) return;
    const where = `_headers line ${index + 1}`;
    if (!/^\s/.test(raw)) {
      const path = raw.trim();
      if (!path.startsWith('/')) return void skipped.push(`${where}: a path starts with "/"`);
      current = { for: path, values: {} };
      rules.push(current);
      return;
    }
    const colon = raw.indexOf(':');
    if (!current || colon < 0) return void skipped.push(`${where}: expected "Name: value" under a path`);
    const name = raw.slice(0, colon).trim();
    if (PROTECTED.has(name.toLowerCase())) return void skipped.push(`${where}: ${name} is set by Opus and cannot be overridden`);
    const value = raw.slice(colon + 1).trim();
    current.values[name] = current.values[name] ? `${current.values[name]}, ${value}` : value;
  });
  return { rules: rules.filter((r) => Object.keys(r.values).length > 0), skipped };
}

export interface CompiledHeaderRule extends HeaderRule {
  pattern: PathPattern;
}

export function compileHeaderRules(rules: HeaderRule[]): CompiledHeaderRule[] {
  return rules.filter((r) => !Object.keys(r.values).some((n) => PROTECTED.has(n.toLowerCase()))).map((rule) => ({ ...rule, pattern: compilePattern(rule.for) }));
}

/** All headers that apply to `path`, later rules adding to earlier ones. */
export function headersFor(rules: CompiledHeaderRule[], path: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const rule of rules) {
    if (!rule.pattern.match(path)) continue;
    for (const [name, value] of Object.entries(rule.values)) result[name] = result[name] ? `${result[name]}, ${value}` : value;
  }
  return result;
}

/** A project's `hsts` as a header rule for every path; undefined when it is off. */
export function hstsRule(hsts: boolean | { maxAgeMs?: number; includeSubDomains?: boolean; preload?: boolean } | undefined): HeaderRule | undefined {
  if (!hsts) return undefined;
  const options = hsts === true ? {} : hsts;
  const parts = [`max-age=${Math.floor((options.maxAgeMs ?? 365 * 24 * 3_600_000) / 1000)}`];
  if (options.includeSubDomains) parts.push('includeSubDomains');
  if (options.preload) parts.push('preload');
  return { for: '/*', values: { 'Strict-Transport-Security': parts.join('; ') } };
}
