/**
 * Bytes of request bodies held at once, up to a bound, handed out in the order asked: a send's memory then depends
 * on this bound, not on how large its batches are. A body larger than the bound still goes, alone.
 */
export class ByteBudget {
  private used = 0;
  private readonly waiting: { bytes: number; take: () => void }[] = [];

  constructor(readonly limit: number) {}

  /** The bytes held now. */
  get held(): number {
    return this.used;
  }

  /** Resolves once `bytes` fit beside what is held (or nothing is held) and every earlier ask was served. */
  acquire(bytes: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push({
        bytes,
        take: () => {
          this.used += bytes;
          resolve();
        },
      });
      this.serve();
    });
  }

  release(bytes: number): void {
    this.used -= bytes;
    this.serve();
  }

  private serve(): void {
    for (let next = this.waiting[0]; next && (this.used === 0 || this.used + next.bytes <= this.limit); next = this.waiting[0]) {
      this.waiting.shift();
      next.take();
    }
  }
}
