import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Reader } from '../../../src/broker/protocol/reader.js';
import { Writer } from '../../../src/broker/protocol/writer.js';
import { ProtocolError } from '../../../src/broker/protocol/errors.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const bytesOf = (fill: (w: Writer) => void) => {
  const w = new Writer(4);
  fill(w);
  return w.toBuffer();
};

// Independent oracle: ZigZag + base-128 computed with BigInt arithmetic, so the expected bytes
// do not come from the 32-bit shifting tricks the codec uses.
function refZigZagVarint(value: bigint, bits: 32n | 64n): Buffer {
  let n = value >= 0n ? value * 2n : -value * 2n - 1n;
  assert.ok(n < 1n << bits, 'oracle input out of range');
  const out: number[] = [];
  do {
    let b = Number(n & 0x7fn);
    n >>= 7n;
    if (n > 0n) b |= 0x80;
    out.push(b);
  } while (n > 0n);
  return Buffer.from(out);
}

describe('Writer/Reader fixed-width primitives', () => {
  it('encodes big-endian int8/int16/int32/uint32/int64 and reads them back', () => {
    const buf = bytesOf((w) =>
      w
        .int8(-1)
        .int8(127)
        .boolean(true)
        .boolean(false)
        .int16(-2)
        .int16(0x1234)
        .int32(-2147483648)
        .int32(0x01020304)
        .uint32(0xdeadbeef)
        .int64(-1n)
        .int64(9223372036854775807n)
        .int64(42),
    );
    assert.deepEqual(
      buf,
      hex(`ff 7f 01 00 fffe 1234 80000000 01020304 deadbeef
           ffffffffffffffff 7fffffffffffffff 000000000000002a`),
    );
    const r = new Reader(buf);
    assert.equal(r.int8(), -1);
    assert.equal(r.int8(), 127);
    assert.equal(r.boolean(), true);
    assert.equal(r.boolean(), false);
    assert.equal(r.int16(), -2);
    assert.equal(r.int16(), 0x1234);
    assert.equal(r.int32(), -2147483648);
    assert.equal(r.int32(), 0x01020304);
    assert.equal(r.uint32(), 0xdeadbeef);
    assert.equal(r.int64(), -1n);
    assert.equal(r.int64(), 9223372036854775807n);
    assert.equal(r.int64(), 42n);
    assert.equal(r.remaining, 0);
  });

  it('treats any non-zero byte as boolean true', () => {
    assert.equal(new Reader(hex('02')).boolean(), true);
    assert.equal(new Reader(hex('ff')).boolean(), true);
  });

  it('throws ProtocolError on truncated fixed-width reads without moving the cursor', () => {
    const r = new Reader(hex('000102'));
    assert.throws(() => r.int32(), ProtocolError);
    assert.equal(r.offset, 0);
    assert.equal(r.int16(), 1);
    assert.throws(() => r.int16(), ProtocolError);
    assert.throws(() => new Reader(hex('00000000000000')).int64(), ProtocolError);
    assert.throws(() => new Reader(Buffer.alloc(0)).int8(), ProtocolError);
  });

  it('honours a start offset and an end bound inside a larger buffer', () => {
    const buf = hex('aa 0005 0007 bb bb');
    const r = new Reader(buf, 1, 5);
    assert.equal(r.remaining, 4);
    assert.equal(r.int16(), 5);
    assert.equal(r.int16(), 7);
    // bytes exist in the buffer beyond `end`, but the reader must not see them
    assert.throws(() => r.int8(), ProtocolError);
  });

  it('grows past its initial size', () => {
    const w = new Writer(1);
    for (let i = 0; i < 1000; i++) w.int32(i);
    assert.equal(w.length, 4000);
    const r = new Reader(w.toBuffer());
    for (let i = 0; i < 1000; i++) assert.equal(r.int32(), i);
  });
});

describe('strings and bytes', () => {
  it('round-trips classic strings, including multi-byte UTF-8 (length is in bytes)', () => {
    const s = 'héllo ✓ 🚀';
    const buf = bytesOf((w) => w.string(s).string(''));
    assert.equal(buf.readInt16BE(0), Buffer.byteLength(s));
    assert.notEqual(Buffer.byteLength(s), s.length);
    const r = new Reader(buf);
    assert.equal(r.string(), s);
    assert.equal(r.string(), '');
    assert.equal(r.remaining, 0);
  });

  it('encodes null strings as length -1 and distinguishes them from empty strings', () => {
    const buf = bytesOf((w) => w.nullableString(null).nullableString(undefined).nullableString('').nullableString('x'));
    assert.deepEqual(buf, hex('ffff ffff 0000 0001 78'));
    const r = new Reader(buf);
    assert.equal(r.nullableString(), null);
    assert.equal(r.nullableString(), null);
    assert.equal(r.nullableString(), '');
    assert.equal(r.nullableString(), 'x');
  });

  it('refuses a null where a non-null string is required', () => {
    assert.throws(() => new Reader(hex('ffff')).string(), ProtocolError);
    assert.throws(() => new Reader(hex('00')).compactString(), ProtocolError);
  });

  it('throws when a string length runs past the end', () => {
    assert.throws(() => new Reader(hex('0005 6162')).string(), ProtocolError);
    assert.throws(() => new Reader(hex('06 6162')).compactString(), ProtocolError);
  });

  it('round-trips compact strings with N+1 unsigned varint lengths', () => {
    const long = 'k'.repeat(200); // length 201 needs a two-byte varint
    const buf = bytesOf((w) => w.compactString('ab').compactNullableString(null).compactString('').compactString(long));
    assert.deepEqual(buf.subarray(0, 5), hex('03 6162 00 01'));
    assert.deepEqual(buf.subarray(5, 7), hex('c901'));
    const r = new Reader(buf);
    assert.equal(r.compactString(), 'ab');
    assert.equal(r.compactNullableString(), null);
    assert.equal(r.compactString(), '');
    assert.equal(r.compactString(), long);
    assert.equal(r.remaining, 0);
  });

  it('round-trips bytes and nullable bytes; reads are views, not copies', () => {
    const payload = Buffer.from([1, 2, 3]);
    const buf = bytesOf((w) => w.bytes(payload).nullableBytes(null).nullableBytes(Buffer.alloc(0)));
    assert.deepEqual(buf, hex('00000003 010203 ffffffff 00000000'));
    const r = new Reader(buf);
    const got = r.bytes();
    assert.deepEqual(got, payload);
    buf[4] = 9;
    assert.equal(got[0], 9, 'bytes() returns a view of the request buffer');
    assert.equal(r.nullableBytes(), null);
    assert.deepEqual(r.nullableBytes(), Buffer.alloc(0));
    assert.throws(() => new Reader(hex('ffffffff')).bytes(), ProtocolError);
    assert.throws(() => new Reader(hex('00000004 0102')).bytes(), ProtocolError);
  });

  it('reads compact nullable bytes', () => {
    const r = new Reader(hex('00 01 04 aabbcc'));
    assert.equal(r.compactNullableBytes(), null);
    assert.deepEqual(r.compactNullableBytes(), Buffer.alloc(0));
    assert.deepEqual(r.compactNullableBytes(), hex('aabbcc'));
  });

  it('keeps large raw blobs as separate chunks but produces the same bytes', () => {
    const big = Buffer.alloc(10_000, 7);
    const w = new Writer(16).int32(1).raw(big).int16(2).raw(Buffer.from([5, 6]));
    const chunks = w.toChunks();
    assert.ok(chunks.length >= 3, 'the big blob is its own chunk');
    assert.ok(chunks.includes(big), 'the big blob is referenced, not copied');
    assert.equal(w.length, 4 + 10_000 + 2 + 2);
    const all = w.toBuffer();
    assert.equal(all.length, w.length);
    const r = new Reader(all);
    assert.equal(r.int32(), 1);
    assert.ok(all.subarray(4, 10_004).every((b) => b === 7));
    r.offset += 10_000;
    assert.equal(r.int16(), 2);
    assert.equal(r.int8(), 5);
    assert.equal(r.int8(), 6);
  });

  it('keeps writing correctly after a chunk boundary and after toBuffer()', () => {
    const w = new Writer(8).bytes(Buffer.alloc(5000, 1));
    const first = Buffer.from(w.toBuffer());
    w.string('after');
    const second = w.toBuffer();
    assert.deepEqual(second.subarray(0, first.length), first);
    const r = new Reader(second, first.length);
    assert.equal(r.string(), 'after');
  });
});

describe('arrays', () => {
  it('round-trips int32-counted arrays and null arrays', () => {
    const buf = bytesOf((w) =>
      w
        .array([1, 2, 3], (x, v) => x.int16(v))
        .nullableArray(null, (x, v: number) => x.int16(v))
        .array([], (x, v: number) => x.int16(v)),
    );
    assert.deepEqual(buf, hex('00000003 0001 0002 0003 ffffffff 00000000'));
    const r = new Reader(buf);
    assert.deepEqual(
      r.array((x) => x.int16()),
      [1, 2, 3],
    );
    assert.equal(
      r.nullableArray((x) => x.int16()),
      null,
    );
    assert.deepEqual(
      r.array((x) => x.int16()),
      [],
    );
  });

  it('refuses a null array where one is required', () => {
    assert.throws(() => new Reader(hex('ffffffff')).array((x) => x.int8()), ProtocolError);
  });

  it('rejects element counts larger than the remaining bytes before allocating', () => {
    assert.throws(() => new Reader(hex('7fffffff 00')).array((x) => x.int8()), /exceeds/);
    assert.throws(() => new Reader(hex('ffffffff07')).compactArray((x) => x.int8()), /exceeds/);
  });

  it('round-trips compact arrays (N+1 counts); a compact null array reads as empty', () => {
    const buf = bytesOf((w) => w.compactArray(['a', 'bc'], (x, v) => x.compactString(v)).compactArray([], () => {}));
    assert.deepEqual(buf, hex('03 02 61 03 6263 01'));
    const r = new Reader(Buffer.concat([buf, hex('00')]));
    assert.deepEqual(
      r.compactArray((x) => x.compactString()),
      ['a', 'bc'],
    );
    assert.deepEqual(
      r.compactArray((x) => x.int8()),
      [],
    );
    assert.deepEqual(
      r.compactArray((x) => x.int8()),
      [],
    );
    assert.equal(r.remaining, 0);
  });

  it('skips tagged fields of any size and writes an empty tag section as one zero byte', () => {
    assert.deepEqual(bytesOf((w) => w.emptyTaggedFields()), hex('00'));
    // two tags: tag 0 with 3 bytes, tag 5 with 0 bytes; then a trailing int8
    const r = new Reader(hex('02 00 03 aabbcc 05 00 2a'));
    r.skipTaggedFields();
    assert.equal(r.int8(), 42);
    assert.throws(() => new Reader(hex('01 00 05 aa')).skipTaggedFields(), ProtocolError);
  });
});

describe('unsigned varints (compact lengths, tags)', () => {
  const cases: [number, string][] = [
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [300, 'ac02'],
    [16383, 'ff7f'],
    [16384, '808001'],
    [2 ** 31 - 1, 'ffffffff07'],
    [2 ** 32 - 1, 'ffffffff0f'],
  ];
  for (const [value, bytes] of cases) {
    it(`uvarint ${value} <-> ${bytes}`, () => {
      assert.deepEqual(bytesOf((w) => w.uvarint(value)), hex(bytes));
      const r = new Reader(hex(bytes));
      assert.equal(r.uvarint(), value);
      assert.equal(r.remaining, 0);
    });
  }

  it('rejects a varint longer than five bytes and a truncated one', () => {
    assert.throws(() => new Reader(hex('ffffffffff01')).uvarint(), /too long/);
    assert.throws(() => new Reader(hex('ff')).uvarint(), ProtocolError);
  });
});

describe('ZigZag varint (int32)', () => {
  const cases: [number, string][] = [
    [0, '00'],
    [-1, '01'],
    [1, '02'],
    [63, '7e'],
    [-64, '7f'],
    [64, '8001'],
    [-65, '8101'],
    [2 ** 31 - 1, 'feffffff0f'],
    [-(2 ** 31), 'ffffffff0f'],
  ];
  for (const [value, bytes] of cases) {
    it(`varint ${value} <-> ${bytes}`, () => {
      assert.deepEqual(bytesOf((w) => w.varint(value)), hex(bytes));
      assert.deepEqual(refZigZagVarint(BigInt(value), 32n), hex(bytes));
      const r = new Reader(hex(bytes));
      assert.equal(r.varint(), value);
      assert.equal(r.remaining, 0);
    });
  }

  it('matches the BigInt oracle across powers of two and their neighbours', () => {
    const values: number[] = [2 ** 31 - 1, -(2 ** 31), -(2 ** 31) + 1];
    for (let p = 0; p <= 30; p++) {
      const v = 2 ** p;
      values.push(v, v - 1, v + 1, -v, -v - 1);
    }
    const w = new Writer();
    for (const v of values) w.varint(v);
    const buf = w.toBuffer();
    assert.deepEqual(buf, Buffer.concat(values.map((v) => refZigZagVarint(BigInt(v), 32n))));
    const r = new Reader(buf);
    for (const v of values) assert.equal(r.varint(), v);
    assert.equal(r.remaining, 0);
  });
});

describe('ZigZag varlong (int64)', () => {
  const cases: [bigint, string][] = [
    [0n, '00'],
    [-1n, '01'],
    [63n, '7e'],
    [64n, '8001'],
    [-64n, '7f'],
    [-65n, '8101'],
    [2n ** 31n - 1n, 'feffffff0f'],
    [-(2n ** 31n), 'ffffffff0f'],
    [2n ** 31n, '8080808010'],
    [2n ** 32n, '8080808020'],
    [1_700_000_000_000n, '80a0abfef962'],
    [2n ** 63n - 1n, 'feffffffffffffffff01'],
    [-(2n ** 63n), 'ffffffffffffffffff01'],
  ];
  for (const [value, bytes] of cases) {
    it(`varlong ${value} <-> ${bytes}`, () => {
      assert.deepEqual(bytesOf((w) => w.varlong(value)), hex(bytes));
      assert.deepEqual(refZigZagVarint(value, 64n), hex(bytes));
      const r = new Reader(hex(bytes));
      assert.equal(r.varlong(), value);
      assert.equal(r.remaining, 0);
    });
  }

  it('round-trips every power of two and neighbours up to 2^62 in both signs', () => {
    const values: bigint[] = [];
    for (let p = 0n; p <= 62n; p++) {
      const v = 1n << p;
      values.push(v, v - 1n, v + 1n, -v, -v - 1n);
    }
    const w = new Writer();
    for (const v of values) w.varlong(v);
    const buf = w.toBuffer();
    assert.deepEqual(buf, Buffer.concat(values.map((v) => refZigZagVarint(v, 64n))));
    const r = new Reader(buf);
    for (const v of values) assert.equal(r.varlong(), v);
  });

  it('rejects a varlong longer than ten bytes', () => {
    assert.throws(() => new Reader(hex('ffffffffffffffffffff01')).varlong(), /too long/);
  });
});

describe('flexible (f*) primitives follow the Reader/Writer mode', () => {
  const sample = (w: Writer) =>
    w
      .fString('ab')
      .fNullableString(null)
      .fNullableBytes(Buffer.from([9]))
      .fArray([1, 2], (w, v) => void w.int8(v))
      .fNullableArray(null, () => undefined)
      .tags();

  it('classic mode: int16/int32 lengths, -1 for null, no tagged fields', () => {
    assert.deepEqual(bytesOf((w) => sample(w)), hex('0002 6162  ffff  00000001 09  00000002 01 02  ffffffff'));
  });

  it('flexible mode: unsigned varint length + 1, 0 for null, an empty tagged-field section', () => {
    assert.deepEqual(bytesOf((w) => sample(w.flex(true))), hex('03 6162  00  02 09  03 01 02  00  00'));
  });

  it('the Reader reads back what the Writer wrote, in both modes', () => {
    for (const flexible of [false, true]) {
      const r = new Reader(bytesOf((w) => sample(w.flex(flexible))));
      r.flexible = flexible;
      assert.equal(r.fString(), 'ab');
      assert.equal(r.fNullableString(), null);
      assert.deepEqual(r.fNullableBytes(), Buffer.from([9]));
      assert.deepEqual(r.fArray((r) => r.int8()), [1, 2]);
      assert.equal(r.fNullableArray((r) => r.int8()), null);
      r.tags();
      assert.equal(r.remaining, 0, `flexible=${flexible}`);
    }
  });

  it('uuid: 16 raw bytes, canonical lowercase text; non-UUIDs are refused', () => {
    const id = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
    const buf = bytesOf((w) => w.uuid(id.toUpperCase()));
    assert.deepEqual(buf, hex('0f1e2d3c4b5a69788796a5b4c3d2e1f0'));
    assert.equal(new Reader(buf).uuid(), id);
    assert.throws(() => new Writer().uuid('not-a-uuid'), /not a UUID/);
  });

  it('skips unknown tagged fields and refuses a tag section that runs past the end', () => {
    const r = new Reader(hex('02 05 01 aa 07 02 bbcc 7f'));
    r.flexible = true;
    r.tags();
    assert.equal(r.int8(), 0x7f);
    const bad = new Reader(hex('01 05 09 aa'));
    bad.flexible = true;
    assert.throws(() => bad.tags(), ProtocolError);
  });
});
