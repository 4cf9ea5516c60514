import { redactFields, redactText } from '../domain/redact.js';

export type Fields = Record<string, unknown>;

export interface Logger {
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
}

/** One JSON object per line (for log collectors) or a readable line for a terminal; secrets are redacted. */
export function createLogger(format: 'json' | 'human', write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const emit = (level: string) => (rawMessage: string, rawFields: Fields = {}) => {
    const message = redactText(rawMessage);
    const fields = redactFields(rawFields);
    if (format === 'json') return write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
    const extra = Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
    write(`${new Date().toISOString().slice(11, 19)} ${level.padEnd(5)} ${message}${extra.length ? ` ${extra.join(' ')}` : ''}\n`);
  };
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
