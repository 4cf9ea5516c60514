import type { SecretRef } from '../domain/schema.js';

/** A secret of the server by its reference (trimmed), or undefined when the server does not have it. */
export type SecretReader = (ref: SecretRef) => string | undefined;
