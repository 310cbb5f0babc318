import { ProtocolError } from './errors.js';

/**
 * Cursor over one request body. Every read checks bounds and throws ProtocolError, so a malformed
 * or truncated request fails that request's connection instead of reading garbage.
 */
export class Reader {
  offset: number;
  /**
   * Set by a codec for a flexible (KIP-482) version: the `f*` readers below then use compact
   * strings, bytes and arrays and `tags()` reads a tagged-field section; otherwise they are the
   * classic int16/int32-prefixed forms and `tags()` reads nothing.
   */
  flexible = false;

  constructor(
    readonly buf: Buffer,
    offset = 0,
    readonly end = buf.length,
  ) {
    if (end > buf.length || offset < 0 || offset > end) {
      throw new ProtocolError(`reader window [${offset}, ${end}) lies outside a ${buf.length}-byte buffer`);
    }
    this.offset = offset;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private need(n: number): number {
    const at = this.offset;
    if (n < 0 || at + n > this.end) {
      throw new ProtocolError(`truncated request: need ${n} bytes at ${at}, have ${this.end - at}`);
    }
    this.offset = at + n;
    return at;
  }

  int8(): number {
    return this.buf.readInt8(this.need(1));
  }
  boolean(): boolean {
    return this.int8() !== 0;
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  uint32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  int64(): bigint {
    return this.buf.readBigInt64BE(this.need(8));
  }

  /** Unsigned LEB128 varint (compact lengths, tagged fields). */
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (shift > 28) throw new ProtocolError('varint too long');
      const b = this.buf[this.need(1)];
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
  }

  /** ZigZag varint (record fields). */
  varint(): number {
    const raw = this.uvarint();
    return (raw >>> 1) ^ -(raw & 1);
  }

  /** ZigZag varlong (record timestamp deltas). */
  varlong(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (shift > 63n) throw new ProtocolError('varlong too long');
      const b = this.buf[this.need(1)];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
    }
    return (result >> 1n) ^ -(result & 1n);
  }

  string(): string {
    const s = this.nullableString();
    if (s === null) throw new ProtocolError('null where a string is required');
    return s;
  }
  nullableString(): string | null {
    const len = this.int16();
    if (len < 0) return null;
    const at = this.need(len);
    return this.buf.toString('utf8', at, at + len);
  }
  compactString(): string {
    const s = this.compactNullableString();
    if (s === null) throw new ProtocolError('null where a string is required');
    return s;
  }
  compactNullableString(): string | null {
    const len = this.uvarint() - 1;
    if (len < 0) return null;
    const at = this.need(len);
    return this.buf.toString('utf8', at, at + len);
  }

  /** The next n bytes with no length prefix (a view, not a copy). */
  raw(n: number): Buffer {
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }

  /** A view, not a copy: valid only while the request buffer is. */
  bytes(): Buffer {
    const b = this.nullableBytes();
    if (b === null) throw new ProtocolError('null where bytes are required');
    return b;
  }
  nullableBytes(): Buffer | null {
    const len = this.int32();
    if (len < 0) return null;
    const at = this.need(len);
    return this.buf.subarray(at, at + len);
  }
  compactNullableBytes(): Buffer | null {
    const len = this.uvarint() - 1;
    if (len < 0) return null;
    const at = this.need(len);
    return this.buf.subarray(at, at + len);
  }

  array<T>(item: (r: Reader) => T): T[] {
    const a = this.nullableArray(item);
    if (a === null) throw new ProtocolError('null where an array is required');
    return a;
  }
  nullableArray<T>(item: (r: Reader) => T): T[] | null {
    const n = this.int32();
    if (n < 0) return null;
    // Each element takes at least one byte, so a count beyond the remaining bytes is a lie.
    if (n > this.remaining) throw new ProtocolError(`array count ${n} exceeds request size`);
    const out: T[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = item(this);
    return out;
  }
  compactArray<T>(item: (r: Reader) => T): T[] {
    const n = this.uvarint() - 1;
    if (n < 0) return [];
    if (n > this.remaining) throw new ProtocolError(`array count ${n} exceeds request size`);
    const out: T[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = item(this);
    return out;
  }

  compactNullableArray<T>(item: (r: Reader) => T): T[] | null {
    const n = this.uvarint() - 1;
    if (n < 0) return null;
    if (n > this.remaining) throw new ProtocolError(`array count ${n} exceeds request size`);
    const out: T[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = item(this);
    return out;
  }

  /** A UUID as its canonical lowercase text (topic ids). */
  uuid(): string {
    const h = this.raw(16).toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  fString(): string {
    return this.flexible ? this.compactString() : this.string();
  }
  fNullableString(): string | null {
    return this.flexible ? this.compactNullableString() : this.nullableString();
  }
  fBytes(): Buffer {
    const b = this.fNullableBytes();
    if (b === null) throw new ProtocolError('null where bytes are required');
    return b;
  }
  fNullableBytes(): Buffer | null {
    return this.flexible ? this.compactNullableBytes() : this.nullableBytes();
  }
  fArray<T>(item: (r: Reader) => T): T[] {
    const a = this.fNullableArray(item);
    if (a === null) throw new ProtocolError('null where an array is required');
    return a;
  }
  fNullableArray<T>(item: (r: Reader) => T): T[] | null {
    return this.flexible ? this.compactNullableArray(item) : this.nullableArray(item);
  }
  /** The tagged-field section closing a struct in flexible versions; unknown tags are skipped. */
  tags(): void {
    if (this.flexible) this.skipTaggedFields();
  }

  skipTaggedFields(): void {
    const n = this.uvarint();
    for (let i = 0; i < n; i++) {
      this.uvarint();
      const size = this.uvarint();
      this.need(size);
    }
  }
}
