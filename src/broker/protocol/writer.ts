/**
 * Growable big-endian encoder. Large byte blobs (record batches read from the log) are kept as
 * separate chunks rather than copied, so a Fetch response goes to the socket with writev.
 */
const ZERO_COPY_THRESHOLD = 4096;

export class Writer {
  private buf: Buffer;
  private pos = 0;
  private chunks: Buffer[] = [];
  private chunkedBytes = 0;
  /** See Reader.flexible: selects compact encodings for the `f*` writers and `tags()`. */
  flexible = false;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  get length(): number {
    return this.chunkedBytes + this.pos;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int8(v: number): this {
    this.ensure(1);
    this.pos = this.buf.writeInt8(v, this.pos);
    return this;
  }
  boolean(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }
  int16(v: number): this {
    this.ensure(2);
    this.pos = this.buf.writeInt16BE(v, this.pos);
    return this;
  }
  int32(v: number): this {
    this.ensure(4);
    this.pos = this.buf.writeInt32BE(v, this.pos);
    return this;
  }
  uint32(v: number): this {
    this.ensure(4);
    this.pos = this.buf.writeUInt32BE(v >>> 0, this.pos);
    return this;
  }
  int64(v: bigint | number): this {
    this.ensure(8);
    this.pos = this.buf.writeBigInt64BE(typeof v === 'bigint' ? v : BigInt(v), this.pos);
    return this;
  }

  uvarint(v: number): this {
    this.ensure(5);
    let n = v >>> 0;
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.pos++] = n;
    return this;
  }
  varint(v: number): this {
    return this.uvarint((v << 1) ^ (v >> 31));
  }
  varlong(v: bigint): this {
    let n = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    this.ensure(10);
    while (n >= 0x80n) {
      this.buf[this.pos++] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    this.buf[this.pos++] = Number(n);
    return this;
  }

  string(s: string): this {
    const len = Buffer.byteLength(s);
    this.int16(len);
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos, 'utf8');
    return this;
  }
  nullableString(s: string | null | undefined): this {
    if (s === null || s === undefined) return this.int16(-1);
    return this.string(s);
  }
  compactString(s: string): this {
    const len = Buffer.byteLength(s);
    this.uvarint(len + 1);
    this.ensure(len);
    this.pos += this.buf.write(s, this.pos, 'utf8');
    return this;
  }
  compactNullableString(s: string | null | undefined): this {
    if (s === null || s === undefined) return this.uvarint(0);
    return this.compactString(s);
  }

  bytes(b: Uint8Array): this {
    this.int32(b.length);
    return this.raw(b);
  }
  nullableBytes(b: Uint8Array | null | undefined): this {
    if (b === null || b === undefined) return this.int32(-1);
    return this.bytes(b);
  }

  /** Appends bytes with no length prefix; big buffers are referenced, not copied. */
  raw(b: Uint8Array): this {
    if (b.length >= ZERO_COPY_THRESHOLD) {
      this.flushScratch();
      const chunk = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length);
      this.chunks.push(chunk);
      this.chunkedBytes += chunk.length;
      return this;
    }
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }

  array<T>(items: readonly T[], item: (w: Writer, v: T) => void): this {
    this.int32(items.length);
    for (const v of items) item(this, v);
    return this;
  }
  nullableArray<T>(items: readonly T[] | null, item: (w: Writer, v: T) => void): this {
    if (items === null) return this.int32(-1);
    return this.array(items, item);
  }
  compactArray<T>(items: readonly T[], item: (w: Writer, v: T) => void): this {
    this.uvarint(items.length + 1);
    for (const v of items) item(this, v);
    return this;
  }
  emptyTaggedFields(): this {
    return this.uvarint(0);
  }

  /** Switches the `f*` writers to the compact forms when `on` (a flexible version). */
  flex(on: boolean): this {
    this.flexible = on;
    return this;
  }
  uuid(id: string): this {
    const hex = id.replace(/-/g, '');
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`not a UUID: ${id}`);
    return this.raw(Buffer.from(hex, 'hex'));
  }
  compactNullableBytes(b: Uint8Array | null | undefined): this {
    if (b === null || b === undefined) return this.uvarint(0);
    this.uvarint(b.length + 1);
    return this.raw(b);
  }
  compactNullableArray<T>(items: readonly T[] | null, item: (w: Writer, v: T) => void): this {
    if (items === null) return this.uvarint(0);
    return this.compactArray(items, item);
  }
  fString(s: string): this {
    return this.flexible ? this.compactString(s) : this.string(s);
  }
  fNullableString(s: string | null | undefined): this {
    return this.flexible ? this.compactNullableString(s) : this.nullableString(s);
  }
  fBytes(b: Uint8Array): this {
    return this.flexible ? this.compactNullableBytes(b) : this.bytes(b);
  }
  fNullableBytes(b: Uint8Array | null | undefined): this {
    return this.flexible ? this.compactNullableBytes(b) : this.nullableBytes(b);
  }
  fArray<T>(items: readonly T[], item: (w: Writer, v: T) => void): this {
    return this.flexible ? this.compactArray(items, item) : this.array(items, item);
  }
  fNullableArray<T>(items: readonly T[] | null, item: (w: Writer, v: T) => void): this {
    return this.flexible ? this.compactNullableArray(items, item) : this.nullableArray(items, item);
  }
  /** An empty tagged-field section, written only in flexible versions. */
  tags(): this {
    return this.flexible ? this.uvarint(0) : this;
  }

  private flushScratch(): void {
    if (this.pos === 0) return;
    const chunk = this.buf.subarray(0, this.pos);
    this.chunks.push(chunk);
    this.chunkedBytes += chunk.length;
    this.buf = Buffer.allocUnsafe(Math.max(256, this.buf.length - this.pos));
    this.pos = 0;
  }

  /** The encoded bytes as a list of chunks, in order (for socket writev). */
  toChunks(): Buffer[] {
    this.flushScratch();
    return this.chunks;
  }

  /** The encoded bytes as one buffer (copies when chunked; for tests and small messages). */
  toBuffer(): Buffer {
    const chunks = this.toChunks();
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  }
}
