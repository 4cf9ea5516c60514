// Debounce + single flight per key: items added for one key within `delayMs` are handled in one
// call, and never two calls for one key at once (items that arrive during a call wait for it and
// form the next batch). A burst of webhooks for one repository becomes one fetch of it.

interface KeyState<T> {
  items: T[];
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
}

export class KeyedCoalescer<T> {
  private readonly keys = new Map<string, KeyState<T>>();

  constructor(
    private readonly delayMs: number,
    private readonly handle: (key: string, items: T[]) => Promise<void>,
    private readonly onError: (key: string, error: unknown) => void = () => undefined,
  ) {}

  add(key: string, item: T): void {
    let state = this.keys.get(key);
    if (!state) this.keys.set(key, (state = { items: [] }));
    state.items.push(item);
    if (!state.timer && !state.running) this.arm(key, state);
  }

  /** Resolves when nothing is waiting or being handled. */
  async idle(): Promise<void> {
    while (this.keys.size > 0) {
      await Promise.all([...this.keys.values()].map((s) => s.running ?? new Promise((resolve) => setTimeout(resolve, this.delayMs))));
    }
  }

  private arm(key: string, state: KeyState<T>): void {
    state.timer = setTimeout(() => this.fire(key, state), this.delayMs);
  }

  private fire(key: string, state: KeyState<T>): void {
    state.timer = undefined;
    const items = state.items.splice(0);
    state.running = this.handle(key, items)
      .catch((error: unknown) => this.onError(key, error))
      .finally(() => {
        state.running = undefined;
        if (state.items.length > 0) this.arm(key, state);
        else this.keys.delete(key);
      });
  }
}
