// Edits one top-level key of a YAML document in place, keeping the user's comments and layout
// (a full load/dump would drop them).
import yaml from 'js-yaml';

/** The value as YAML would read it back as the same string ("1.0" stays a string, not 1). */
export function yamlScalar(value: string): string {
  return yaml.dump(value, { lineWidth: -1 }).trim();
}

export function setTopLevelKey(text: string, key: string, value: string, after?: string): string {
  const line = `${key}: ${yamlScalar(value)}`;
  // Keeps a trailing comment ("deploy: 1.0.3  # pinned") and a CRLF line ending.
  const existing = new RegExp(`^${key}:[^\\n]*?(\\s+#[^\\n]*?)?(\\r?)$`, 'm');
  if (existing.test(text)) return text.replace(existing, (_whole, comment: string | undefined, cr: string) => `${line}${comment ?? ''}${cr}`);
  const anchor = after ? new RegExp(`^${after}:[^\\n]*$`, 'm').exec(text) : null;
  if (anchor) {
    const end = anchor.index + anchor[0].length;
    return `${text.slice(0, end)}\n${line}${text.slice(end)}`;
  }
  return `${text.replace(/\n*$/, '\n')}${line}\n`;
}
