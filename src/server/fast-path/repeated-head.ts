// A keep-alive client asks the same thing again and again with the same bytes (a poller, a load
// balancer's health check, a benchmark). The last answer of a connection, as the whole prebuilt
// buffer that went out, is sent again for a read that repeats its request byte for byte, while
// nothing an answer rests on changed: the same second (the Date line) and the same stamp (the site
// table, the versions, the kept files). That is a compare and a write, with nothing parsed or looked up.

/** Changes whenever any kept answer may have changed (see SiteHandler.keptStamp). */
export type AnswerStamp = () => number;

export interface Repeat {
  wire: Buffer;
  status: number;
}

/** Heads longer than this are not kept: what clients repeat is short. */
const MAX_KEPT = 2048;

export class RepeatedHead {
  private head: Buffer | undefined;
  private repeat: Repeat | undefined;
  private second = -1;
  private stamped = -1;

  constructor(private readonly stamp: AnswerStamp) {}

  /** The answer to send again when `read` is the kept request's bytes, alone, and the answer still holds. */
  find(read: Buffer, second: number): Repeat | undefined {
    const { head, repeat } = this;
    if (!repeat || !head || read.length !== head.length || second !== this.second || this.stamp() !== this.stamped || !read.equals(head)) return undefined;
    return repeat;
  }

  /** `read` held exactly one request, answered with `wire` (all of it, one buffer) this second, ending nothing. */
  keep(read: Buffer, second: number, stamped: number, repeat: Repeat): void {
    if (read.length > MAX_KEPT) return;
    // A copy: a read's buffer may be a slice of a larger one, which would stay alive with it.
    if (!this.head || !read.equals(this.head)) this.head = Buffer.from(read);
    this.repeat = repeat;
    this.second = second;
    this.stamped = stamped;
  }

  forget(): void {
    this.head = undefined;
    this.repeat = undefined;
  }
}
