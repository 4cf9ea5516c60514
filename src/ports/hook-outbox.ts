// Where outgoing hook deliveries wait (durably, so a restart loses none) and how one is sent.
import type { AttemptResult, DeliveryRecord } from '../domain/hook-deliveries.js';
import type { HookSpec } from '../domain/hooks.js';

export interface HookOutbox {
  /** The hooks that have deliveries stored. */
  hookIds(): Promise<string[]>;
  /** A hook's deliveries in outbox order (seq). */
  load(hook: string): Promise<DeliveryRecord[]>;
  /** Writes the record whole (atomically): readers see the old state or the new. */
  save(record: DeliveryRecord): Promise<void>;
  remove(record: DeliveryRecord): Promise<void>;
  /** The hooks of the last valid opus.yaml, so a restart with a broken one still reports it. */
  readRoutes(): Promise<HookSpec[] | undefined>;
  saveRoutes(hooks: HookSpec[]): Promise<void>;
}

export interface HookSender {
  /** One attempt; never throws. `aborted` when `signal` stopped it (the attempt does not count). */
  send(record: DeliveryRecord, signal: AbortSignal): Promise<AttemptResult & { aborted?: boolean }>;
}
