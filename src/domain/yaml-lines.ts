// The line a dotted path ("build.image", "redirects.0.to") starts on in a YAML document, for the
// problems the schema finds (js-yaml keeps no positions): the `yaml` parser's node ranges. The
// deepest part of the path that exists gives the line (a missing key: its parent's). Pure.
import { LineCounter, isNode, parseDocument } from 'yaml';

export function lineOfPath(text: string, path: string): number | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const segments = path === '' ? [] : path.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  for (let depth = segments.length; depth > 0; depth -= 1) {
    const node: unknown = doc.getIn(segments.slice(0, depth), true);
    if (isNode(node) && node.range) return lineCounter.linePos(keyStart(doc, segments.slice(0, depth)) ?? node.range[0]).line;
  }
  return undefined;
}

/** Where the key of a map entry starts (the value may start on the next line). */
function keyStart(doc: ReturnType<typeof parseDocument>, segments: (string | number)[]): number | undefined {
  const parent: unknown = segments.length === 1 ? doc.contents : doc.getIn(segments.slice(0, -1), true);
  const last = segments.at(-1);
  if (!parent || typeof parent !== 'object' || !('items' in parent) || !Array.isArray(parent.items)) return undefined;
  for (const item of parent.items as unknown[]) {
    if (item && typeof item === 'object' && 'key' in item) {
      const { key } = item;
      if (isNode(key) && 'value' in key && (key as { value: unknown }).value === last && key.range) return key.range[0];
    }
  }
  return undefined;
}
