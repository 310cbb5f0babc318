/**
 * Splits a TCP byte stream into Kafka frames (int32 size + payload).
 *
 * Before reading a frame's payload the decoder asks `admit(size)` for the memory; when that is
 * refused it stops (nothing more is consumed) until `granted()` says the reservation was made on
 * its behalf. A frame already complete in the received chunks is cut from them (shared memory
 * when it lies in one chunk); a frame still arriving gets its buffer once, from `allocate`, and
 * each chunk is copied in and dropped as it comes, so a large half-sent request holds exactly
 * the bytes received in one allocation the pool can give back, not thousands of socket chunks.
 */
export class FrameTooLargeError extends Error {
  override name = 'FrameTooLargeError';
}

export interface FrameMemory {
  /** Reserves `n` bytes for the next frame; false: not now (wait for granted()). */
  admit(n: number): boolean;
  /** A buffer for a frame of `n` bytes that is still arriving. */
  allocate(n: number): Buffer;
}

const UNLIMITED: FrameMemory = { admit: () => true, allocate: (n) => Buffer.allocUnsafe(n) };

export class FrameDecoder {
  /** Received bytes not yet part of a frame buffer. */
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Size of the frame being read; -1 while reading a size prefix. */
  private expected = -1;
  private admitted = false;
  /** Destination of a frame that spans chunks still to come. */
  private partial: Buffer | null = null;
  private filled = 0;

  constructor(
    private readonly maxFrameBytes: number,
    private readonly memory: FrameMemory = UNLIMITED,
  ) {}

  /** Feeds bytes; returns the complete frames they finish (may be none). Throws on a bad size. */
  push(data: Buffer): Buffer[] {
    if (data.length > 0) {
      this.chunks.push(data);
      this.buffered += data.length;
    }
    return this.run();
  }

  /** The reservation the decoder waited for was made; continues with the bytes it holds. */
  granted(): Buffer[] {
    this.admitted = true;
    return this.run();
  }

  /** Size of the frame waiting for memory, or 0 when the decoder is not waiting. */
  get waitingFor(): number {
    return this.expected >= 0 && !this.admitted ? this.expected : 0;
  }

  /** Size of the frame whose memory is reserved but which is not complete yet, or 0. */
  get admittedPartial(): number {
    return this.expected >= 0 && this.admitted ? this.expected : 0;
  }

  /** Request bytes held: received chunks plus what was copied into the frame being filled. */
  get heldBytes(): number {
    return this.buffered + this.filled;
  }

  /** Forgets everything (the connection closed); returns the buffer of an incomplete frame, if any. */
  discard(): Buffer | null {
    const partial = this.partial;
    this.chunks = [];
    this.buffered = 0;
    this.partial = null;
    this.filled = 0;
    this.expected = -1;
    this.admitted = false;
    return partial;
  }

  private run(): Buffer[] {
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
        this.admitted = false;
      }
      if (!this.admitted) {
        if (!this.memory.admit(this.expected)) break;
        this.admitted = true;
      }
      if (this.partial === null) {
        if (this.buffered >= this.expected) {
          frames.push(this.take(this.expected));
          this.expected = -1;
          continue;
        }
        if (this.buffered === 0) break;
        this.partial = this.memory.allocate(this.expected);
        this.filled = 0;
      }
      this.fill();
      if (this.filled < this.expected) break;
      frames.push(this.partial);
      this.partial = null;
      this.filled = 0;
      this.expected = -1;
    }
    return frames;
  }

  /** Moves received bytes into the partial frame, dropping the chunks they came in. */
  private fill(): void {
    const out = this.partial!;
    while (this.filled < this.expected && this.chunks.length > 0) {
      const c = this.chunks[0];
      const need = this.expected - this.filled;
      if (c.length <= need) {
        c.copy(out, this.filled);
        this.filled += c.length;
        this.buffered -= c.length;
        this.chunks.shift();
      } else {
        c.copy(out, this.filled, 0, need);
        this.chunks[0] = c.subarray(need);
        this.filled += need;
        this.buffered -= need;
      }
    }
  }

  private peekInt32(): number {
    const first = this.chunks[0];
    if (first.length >= 4) return first.readInt32BE(0);
    return Buffer.concat(this.chunks, 4).readInt32BE(0);
  }

  /** Cuts n bytes (all already received) off the front of the chunks. */
  private take(n: number): Buffer {
    const first = this.chunks[0];
    let out: Buffer;
    if (first.length >= n) {
      // Fast path: the frame lies inside one chunk; share its memory instead of copying.
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = n === 4 ? Buffer.allocUnsafe(4) : this.memory.allocate(n);
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
