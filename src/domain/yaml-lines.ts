// Where a path of a YAML document is written: the line a problem points at, so `opus validate`
// says `projects/site.yaml:4 build.command: …`. Pure (the yaml package only parses text).
import { isCollection, LineCounter, parseDocument } from 'yaml';

/** 1-based line of the key (or item) at `path`, else of its nearest ancestor that exists; undefined when the text does not parse. */
export function lineOfPath(text: string, path: (string | number)[]): number | undefined {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  if (doc.errors.length > 0) return undefined;
  for (let depth = path.length; depth > 0; depth -= 1) {
    const parent = depth === 1 ? doc.contents : doc.getIn(path.slice(0, depth - 1), true);
    if (!isCollection(parent)) continue;
    const key = path[depth - 1];
    const pair = parent.items.find((item, index) => {
      if (typeof key === 'number') return index === key;
      const k = (item as { key?: { value?: unknown } }).key;
      return k?.value === key;
    }) as { key?: { range?: [number, number, number] }; range?: [number, number, number] } | undefined;
    const range = pair?.key?.range ?? pair?.range;
    if (range) return counter.linePos(range[0]).line;
  }
  return undefined;
}
