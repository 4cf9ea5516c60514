// Gets a certificate from a CA (ACME, RFC 8555): proves control of each name by HTTP-01, whose
// answers the caller serves while the order is open.

export interface ChallengeResponder {
  /** Resolves once the answer is served (by every replica). */
  add(token: string, keyAuthorization: string): Promise<void> | void;
  remove(token: string): Promise<void> | void;
}

export interface IssuedCertificate {
  cert: string;
  key: string;
}

export interface CertificateIssuer {
  issue(names: string[], challenges: ChallengeResponder): Promise<IssuedCertificate>;
}
