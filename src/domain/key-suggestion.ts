// "unknown key "comand": did you mean "command"?": the keys a config file may have at the place zod
// reports an unknown one, read from the schema itself (zod 4's `_zod.def`), so no list is kept twice.
import { distance } from 'fastest-levenshtein';
import type { z } from 'zod';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** What `schema` may be of `type`, through optional, default, nullable, union and pipe wrappers. */
function unwrapped(schema: z.ZodType, type: 'object' | 'array'): Def[] {
  const def = defOf(schema);
  if (def.type === type) return [def];
  if (def.options) return def.options.flatMap((o) => unwrapped(o, type));
  const inner = def.innerType ?? def.in;
  return inner ? unwrapped(inner, type) : [];
}

/** What may stand at one step of an issue path below `schema`: an array's element, or an object's key. */
function childrenAt(schema: z.ZodType, step: PropertyKey): z.ZodType[] {
  if (typeof step === 'number') return unwrapped(schema, 'array').flatMap((a) => (a.element ? [a.element] : []));
  return unwrapped(schema, 'object').flatMap((o) => o.shape?.[String(step)] ?? []);
}

/** Every key an object at `path` (as zod reports issue paths) may have. */
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const level = path.reduce<z.ZodType[]>((schemas, step) => schemas.flatMap((s) => childrenAt(s, step)), [schema]);
  return [...new Set(level.flatMap((s) => unwrapped(s, 'object')).flatMap((o) => Object.keys(o.shape ?? {})))];
}

/** Levenshtein's edits, with two neighbouring letters swapped counted as one ("lsit" is 1 from "list"). */
export function typoDistance(typed: string, known: string): number {
  const swapped = typed.length === known.length && [...typed].findIndex((c, i) => c !== known[i]);
  if (typeof swapped === 'number' && swapped >= 0 && typed.slice(0, swapped) + typed[swapped + 1] + typed[swapped] + typed.slice(swapped + 2) === known) return 1;
  return distance(typed, known);
}

/** A typo, not another word: a third of the typed letters at most, and always one. */
export function closeTypo(typed: string, cost: number): boolean {
  return cost <= Math.max(1, Math.floor(typed.length / 3));
}

/** The known key a mistyped one most likely meant: the same letters in another case, or a few edits away (a third of its letters at most). */
export function closestKey(typed: string, known: readonly string[]): string | undefined {
  const sameLetters = known.find((k) => k.toLowerCase() === typed.toLowerCase());
  if (sameLetters) return sameLetters;
  let best: { key: string; cost: number } | undefined;
  for (const key of known) {
    const cost = typoDistance(typed, key);
    if (closeTypo(typed, cost) && (!best || cost < best.cost)) best = { key, cost };
  }
  return best?.key;
}

/** Each unknown key with the known one it most likely meant; when none is near, the keys that may be written there. */
export function unknownKeysMessage(keys: readonly string[], known: readonly string[]): string {
  const meant = keys.map((k) => closestKey(k, known));
  const named = keys.map((k, i) => (meant[i] ? `"${k}" (did you mean "${meant[i]}"?)` : `"${k}"`)).join(', ');
  const hint = meant.some(Boolean) ? '' : `: check the spelling${known.length ? `; known here: ${known.join(', ')}` : ''}`;
  return `unknown key${keys.length > 1 ? 's' : ''} ${named}${hint}`;
}
