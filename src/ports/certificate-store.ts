// Where ACME certificates and the ACME account key are kept: under the data dir, or in a shared
// store (S3) so every replica serves what the one that orders got.

export interface StoredCertificate {
  /** PEM: the certificate, then its chain. */
  cert: string;
  /** PEM private key (written readable by the owner only). */
  key: string;
}

export interface CertificateStore {
  /** The certificate for one name (its first name); undefined when none was stored. */
  read(name: string): Promise<StoredCertificate | undefined>;
  write(name: string, certificate: StoredCertificate): Promise<void>;
  /** Every name with a stored certificate. */
  list(): Promise<string[]>;
  /** The ACME account's private key (PEM), one per CA directory URL. */
  readAccountKey(directoryUrl: string): Promise<string | undefined>;
  writeAccountKey(directoryUrl: string, pem: string): Promise<void>;
  /** HTTP-01 answers while an order is open, so a replica that does not order answers them too (shared stores only). */
  readonly challenges?: {
    write(token: string, keyAuthorization: string): Promise<void>;
    read(token: string): Promise<string | undefined>;
    remove(token: string): Promise<void>;
  };
}
