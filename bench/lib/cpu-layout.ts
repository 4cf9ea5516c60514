// Where bench/serve's processes run on a machine with two cores or more: every server on core 0 (the
// bench process's own threads, so the in-process server and the floors, and every server it starts,
// which inherit them), the load generators (wrk, h2load) on core 1. Unpinned, the scheduler moves a
// server between cores and onto the load generator's from run to run, and on a virtual machine one
// core can be slower than the other: a figure then says as much about where a server ran as about it.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';

const SERVER_CPU = '0';
const LOAD_CPU = '1';
let pinned = false;

/** Pins this process's threads (and so every child started after) to the servers' core; false when it cannot. */
export function pinServers(): boolean {
  if (cpus().length < 2) return false;
  pinned = spawnSync('taskset', ['--all-tasks', '--cpu-list', '--pid', SERVER_CPU, String(process.pid)], { stdio: 'ignore' }).status === 0;
  return pinned;
}

/** Gives this process every core again (for what is not a serving measurement). */
export function unpinServers(): void {
  if (!pinned) return;
  spawnSync('taskset', ['--all-tasks', '--cpu-list', '--pid', `0-${cpus().length - 1}`, String(process.pid)], { stdio: 'ignore' });
  pinned = false;
}

/** The command line that runs a load generator: on its own core while the servers are pinned. */
export function loadGenerator(bin: string, args: string[]): [string, string[]] {
  return pinned ? ['taskset', ['--cpu-list', LOAD_CPU, bin, ...args]] : [bin, args];
}

export function describeLayout(): string {
  return pinned ? `servers pinned to core ${SERVER_CPU} (one core each, as nginx's one worker), wrk and h2load to core ${LOAD_CPU}` : 'not pinned (--no-pin, one core, or taskset failed): servers and load generators share the cores as the scheduler places them';
}
