// Netlify-style path patterns: `:name` matches one segment, a trailing `*` matches the rest
// (available as :splat). Used by _redirects and _headers.

export type Params = Record<string, string>;

export interface PathPattern {
  source: string;
  match(path: string): Params | undefined;
}

export function compilePattern(pattern: string): PathPattern {
  const names: string[] = [];
  let regex = '';
  const trimmed = pattern.length > 1 ? pattern.replace(/\/+$/, '') : pattern;
  for (const part of trimmed.split(/(\/)/)) {
    if (part === '/') regex += '/';
    else if (part === '*') {
      names.push('splat');
      regex = regex.replace(/\/$/, '(?:/(.*))?');
      if (!regex.endsWith('?')) regex += '(.*)';
    } else if (part.startsWith(':')) {
      names.push(part.slice(1));
      regex += '([^/]+)';
    } else regex += escape(part);
  }
  const compiled = new RegExp(`^${regex}/?$`);
  return {
    source: pattern,
    match(path) {
      const found = compiled.exec(path);
      if (!found) return undefined;
      return Object.fromEntries(names.map((name, i) => [name, found[i + 1] ?? '']));
    },
  };
}

/** Fills `:name` and `:splat` of a target with the matched values. */
export function fillTarget(target: string, params: Params): string {
  return target.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (whole, name: string) => params[name] ?? whole);
}

function escape(text: string): string {
  return text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}
