// The server's defaults live in config/defaults.json; the environment and flags override them.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SETTINGS_FILE } from '../domain/desired-state.js';

interface Defaults {
  port: number;
  host: string;
  dataDir: string;
  logFormat: 'auto' | 'json' | 'human';
}

const packageRoot = fileURLToPath(new URL('../../../', import.meta.url));

export const defaults: Defaults = JSON.parse(readFileSync(join(packageRoot, 'config', 'defaults.json'), 'utf8')) as Defaults;

export function defaultDataDir(): string {
  const dir = process.env.OPUS_DATA_DIR ?? defaults.dataDir;
  return resolve(dir.replace(/^~(?=$|\/)/, homedir()));
}

/** The config repo the CLI edits: the flag (or OPUS_CONFIG), else the current directory when it is one, else the embedded default. */
export function resolveConfigDir(flag: string | undefined): string {
  const chosen = flag ?? process.env.OPUS_CONFIG;
  if (chosen) return resolve(chosen);
  if (existsSync(join(process.cwd(), SETTINGS_FILE))) return process.cwd();
  return join(defaultDataDir(), 'config');
}
