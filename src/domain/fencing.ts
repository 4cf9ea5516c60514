// Fencing of writes to a shared store: each carries the writer's term (the sync Lease's, which
// grows with every change of leader), and one whose term is below the term stored with what it
// would replace is refused. Pure.

/**
 * A write of shared state refused: another replica leads now (or this one does not). Not a
 * failure of the build or switch that made it: the build service hands such a build over.
 */
export class FencedWrite extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FencedWrite';
  }
}

/** The term a fenced write carries; undefined when writes are not fenced (no Lease: one writer). */
export function writerTerm(term: (() => number | undefined) | undefined, what: string): number | undefined {
  if (!term) return undefined;
  const current = term();
  if (current === undefined) throw new FencedWrite(`this replica does not hold the sync Lease: it does not write ${what}`);
  return current;
}

/** Refuses a write in `term` over state last written in a later term. */
export function checkTerm(stored: number | undefined, term: number | undefined, what: string): void {
  if (term !== undefined && stored !== undefined && stored > term) throw new FencedWrite(`${what}: written in term ${stored}; this replica's term ${term} is over`);
}
