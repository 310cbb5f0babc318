/**
 * Splits a TCP byte stream into Kafka frames (int32 size + payload). Incoming chunks are kept as a
 * list and copied once, into the frame, only when a whole frame is available.
 */
export class FrameTooLargeError extends Error {
  override name = 'FrameTooLargeError';
}

export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private expected = -1;

  constructor(
    private readonly maxFrameBytes: number,
    private readonly allocate: (n: number) => Buffer = Buffer.allocUnsafe,
  ) {}

  /** Feeds bytes; returns the complete frames they finish (may be none). Throws on a bad size. */
  push(data: Buffer): Buffer[] {
    this.chunks.push(data);
    this.buffered += data.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.expected < 0) {
        if (this.buffered < 4) break;
        const size = this.peekInt32();
        // A request header alone is 10 bytes; anything smaller cannot be a Kafka request.
        if (size < 10 || size > this.maxFrameBytes) {
          throw new FrameTooLargeError(`invalid frame size ${size} (limit ${this.maxFrameBytes})`);
        }
        this.take(4);
        this.expected = size;
      }
      if (this.buffered < this.expected) break;
      frames.push(this.take(this.expected));
      this.expected = -1;
    }
    return frames;
  }

  private peekInt32(): number {
    const first = this.chunks[0];
    if (first.length >= 4) return first.readInt32BE(0);
    return Buffer.concat(this.chunks, 4).readInt32BE(0);
  }

  private take(n: number): Buffer {
    const first = this.chunks[0];
    let out: Buffer;
    if (first.length >= n) {
      // Fast path: the frame lies inside one chunk; share its memory instead of copying.
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = this.allocate(n);
      let filled = 0;
      while (filled < n) {
        const c = this.chunks[0];
        const need = n - filled;
        if (c.length <= need) {
          c.copy(out, filled);
          filled += c.length;
          this.chunks.shift();
        } else {
          c.copy(out, filled, 0, need);
          this.chunks[0] = c.subarray(need);
          filled = n;
        }
      }
    }
    this.buffered -= n;
    return out;
  }
}
