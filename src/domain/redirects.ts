// Redirect and rewrite rules in Netlify's `_redirects` syntax (also settable in a project's YAML):
//   /from  /to  [status][!]   — status 301 by default; 200 rewrites; 404 serves the target with 404;
//   `!` forces the rule even when a file exists at /from (otherwise an existing file wins).
import { compilePattern, fillTarget, type PathPattern } from './path-pattern.js';

export interface RedirectRule {
  from: string;
  to: string;
  status: number;
  force: boolean;
}

export interface ParsedRules<T> {
  rules: T[];
  /** Lines that were skipped, with why: shown in the build log, never fatal. */
  skipped: string[];
}

const STATUSES = new Set([200, 301, 302, 303, 307, 308, 404, 410]);

export function parseRedirects(text: string): ParsedRules<RedirectRule> {
  const rules: RedirectRule[] = [];
  const skipped: string[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) return;
    const [from, to, code, ...rest] = line.split(/\s+/);
    const where = `_redirects line ${index + 1}`;
    if (!from?.startsWith('/') || !to) return void skipped.push(`${where}: expected "/from /to [status]"`);
    const status = code ? Number.parseInt(code, 10) : 301;
    if (!STATUSES.has(status)) return void skipped.push(`${where}: unsupported status "${code}"`);
    if (rest.length > 0) return void skipped.push(`${where}: conditions (${rest.join(' ')}) are not supported`);
    if (status === 200 && /^[a-z]+:\/\//i.test(to)) return void skipped.push(`${where}: proxying to another origin is not supported`);
    if (from.includes('?')) return void skipped.push(`${where}: query-string matching is not supported`);
    rules.push({ from, to, status, force: code?.endsWith('!') ?? false });
  });
  return { rules, skipped };
}

export interface CompiledRedirect extends RedirectRule {
  pattern: PathPattern;
}

export function compileRedirects(rules: RedirectRule[]): CompiledRedirect[] {
  return rules.map((rule) => ({ ...rule, pattern: compilePattern(rule.from) }));
}

export interface RedirectMatch {
  rule: CompiledRedirect;
  target: string;
}

/** The first rule that applies to `path`; `fileExists` says whether a file would be served as is. */
export function matchRedirect(rules: CompiledRedirect[], path: string, fileExists: boolean): RedirectMatch | undefined {
  for (const rule of rules) {
    if (fileExists && !rule.force) continue;
    const params = rule.pattern.match(path);
    if (params) return { rule, target: fillTarget(rule.to, params) };
  }
  return undefined;
}
