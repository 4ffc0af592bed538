// CityHash64 v1.0.2, the version ClickHouse's cityHash64 uses (contrib/cityhash102), bit-exact, plus the way
// ClickHouse applies it to column values: strings hash their UTF-8 bytes, integers go through IntHash64, and
// several arguments are folded with Hash128to64. Pure: the engine registers `cityHash64` as a DuckDB scalar
// function that calls `cityHash64`, since a DuckDB macro cannot loop over 64-byte blocks.
const MASK = (1n << 64n) - 1n;
const K0 = 0xc3a5c85c97cb3127n;
const K1 = 0xb492b66fbe98f273n;
const K2 = 0x9ae16a3b2f90404fn;
const K3 = 0xc949d7c7509e6557n;
const KMUL = 0x9ddfea08eb382d69n;

const mul = (a: bigint, b: bigint) => (a * b) & MASK;
const add = (...xs: bigint[]) => xs.reduce((s, x) => s + x, 0n) & MASK;
const sub = (a: bigint, b: bigint) => (a - b) & MASK;
const rotate = (v: bigint, s: number) => (s === 0 ? v : ((v >> BigInt(s)) | (v << BigInt(64 - s))) & MASK);
const shiftMix = (v: bigint) => v ^ (v >> 47n);

/** ClickHouse's combineHashes for cityHash64: Hash128to64 of (low, high). */
export function hash128to64(low: bigint, high: bigint): bigint {
  let a = mul(low ^ high, KMUL);
  a ^= a >> 47n;
  let b = mul(high ^ a, KMUL);
  b ^= b >> 47n;
  return mul(b, KMUL);
}

function fetch64(s: Uint8Array, i: number): bigint {
  let v = 0n;
  for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(s[i + k]!);
  return v;
}
function fetch32(s: Uint8Array, i: number): bigint {
  return BigInt((s[i]! | (s[i + 1]! << 8) | (s[i + 2]! << 16) | (s[i + 3]! << 24)) >>> 0);
}

function hashLen0to16(s: Uint8Array, len: number): bigint {
  if (len > 8) {
    const a = fetch64(s, 0);
    const b = fetch64(s, len - 8);
    return hash128to64(a, rotate(add(b, BigInt(len)), len)) ^ b;
  }
  if (len >= 4) {
    const a = fetch32(s, 0);
    return hash128to64(add(BigInt(len), (a << 3n) & MASK), fetch32(s, len - 4));
  }
  if (len > 0) {
    const y = BigInt(s[0]! + (s[len >> 1]! << 8));
    const z = BigInt(len + (s[len - 1]! << 2));
    return mul(shiftMix(mul(y, K2) ^ mul(z, K3)), K2);
  }
  return K2;
}

function hashLen17to32(s: Uint8Array, len: number): bigint {
  const a = mul(fetch64(s, 0), K1);
  const b = fetch64(s, 8);
  const c = mul(fetch64(s, len - 8), K2);
  const d = mul(fetch64(s, len - 16), K0);
  return hash128to64(add(rotate(sub(a, b), 43), rotate(c, 30), d), add(sub(add(a, rotate(b ^ K3, 20)), c), BigInt(len)));
}

function weakHashLen32WithSeeds(s: Uint8Array, i: number, a: bigint, b: bigint): [bigint, bigint] {
  const w = fetch64(s, i);
  const x = fetch64(s, i + 8);
  const y = fetch64(s, i + 16);
  const z = fetch64(s, i + 24);
  a = add(a, w);
  b = rotate(add(b, a, z), 21);
  const c = a;
  a = add(a, x, y);
  b = add(b, rotate(a, 44));
  return [add(a, z), add(b, c)];
}

function hashLen33to64(s: Uint8Array, len: number): bigint {
  let z = fetch64(s, 24);
  let a = add(fetch64(s, 0), mul(add(BigInt(len), fetch64(s, len - 16)), K0));
  let b = rotate(add(a, z), 52);
  let c = rotate(a, 37);
  a = add(a, fetch64(s, 8));
  c = add(c, rotate(a, 7));
  a = add(a, fetch64(s, 16));
  const vf = add(a, z);
  const vs = add(b, rotate(a, 31), c);
  a = add(fetch64(s, 16), fetch64(s, len - 32));
  z = fetch64(s, len - 8);
  b = rotate(add(a, z), 52);
  c = rotate(a, 37);
  a = add(a, fetch64(s, len - 24));
  c = add(c, rotate(a, 7));
  a = add(a, fetch64(s, len - 16));
  const wf = add(a, z);
  const ws = add(b, rotate(a, 31), c);
  const r = shiftMix(add(mul(add(vf, ws), K2), mul(add(wf, vs), K0)));
  return mul(shiftMix(add(mul(r, K0), vs)), K2);
}

/** CityHash64 v1.0.2 of a byte string, as an unsigned 64-bit bigint. */
export function cityHash64Bytes(s: Uint8Array): bigint {
  let len = s.length;
  if (len <= 16) return hashLen0to16(s, len);
  if (len <= 32) return hashLen17to32(s, len);
  if (len <= 64) return hashLen33to64(s, len);
  let x = fetch64(s, 0);
  let y = fetch64(s, len - 16) ^ K1;
  let z = fetch64(s, len - 56) ^ K0;
  let v = weakHashLen32WithSeeds(s, len - 64, BigInt(len), y);
  let w = weakHashLen32WithSeeds(s, len - 32, mul(BigInt(len), K1), K0);
  z = add(z, mul(shiftMix(v[1]), K1));
  x = mul(rotate(add(z, x), 39), K1);
  y = mul(rotate(y, 33), K1);
  len = (len - 1) & ~63;
  let p = 0;
  do {
    x = mul(rotate(add(x, y, v[0], fetch64(s, p + 16)), 37), K1);
    y = mul(rotate(add(y, v[1], fetch64(s, p + 48)), 42), K1);
    x ^= w[1];
    y ^= v[0];
    z = rotate(z ^ w[0], 33);
    v = weakHashLen32WithSeeds(s, p, mul(v[1], K1), add(x, w[0]));
    w = weakHashLen32WithSeeds(s, p + 32, add(z, w[1]), y);
    [z, x] = [x, z];
    p += 64;
    len -= 64;
  } while (len !== 0);
  return hash128to64(add(hash128to64(v[0], w[0]), mul(shiftMix(y), K1), z), add(hash128to64(v[1], w[1]), x));
}

/** ClickHouse's IntHash64 (a Murmur3 finaliser over the value xor a constant), used for integer arguments. */
export function intHash64(x: bigint): bigint {
  x = (x ^ 0x4cf2d2baae6da887n) & MASK;
  x ^= x >> 33n;
  x = mul(x, 0xff51afd7ed558ccdn);
  x ^= x >> 33n;
  x = mul(x, 0xc4ceb9fe1a85ec53n);
  x ^= x >> 33n;
  return x;
}

/**
 * One argument of cityHash64: a string (hashed by its UTF-8 bytes), raw bytes, an integer of a given width in
 * bits (ClickHouse reinterprets it as unsigned of that width: toInt8(-1) hashes like 255), or a bigint/number
 * taken as a 64-bit integer. Date is a 16-bit and DateTime a 32-bit unsigned integer in ClickHouse.
 */
export type CityHashArg = string | Uint8Array | bigint | number | { readonly int: bigint | number; readonly bits: 8 | 16 | 32 | 64 };

/** ClickHouse's cityHash64(args...): each argument hashed, then folded left to right with Hash128to64. */
export function cityHash64(...args: readonly CityHashArg[]): bigint {
  let h: bigint | null = null;
  for (const arg of args) {
    let one: bigint;
    if (typeof arg === 'string') one = cityHash64Bytes(new TextEncoder().encode(arg));
    else if (arg instanceof Uint8Array) one = cityHash64Bytes(arg);
    else if (typeof arg === 'object') one = intHash64(BigInt.asUintN(arg.bits, BigInt(arg.int)));
    else one = intHash64(BigInt.asUintN(64, BigInt(arg)));
    h = h === null ? one : hash128to64(h, one);
  }
  if (h === null) throw new RangeError('cityHash64 needs at least one argument');
  return h;
}

const INT_BITS: Record<string, 8 | 16 | 32 | 64> = {
  TINYINT: 8, UTINYINT: 8, BOOLEAN: 8, SMALLINT: 16, USMALLINT: 16, INTEGER: 32, UINTEGER: 32, BIGINT: 64, UBIGINT: 64,
};

/**
 * A DuckDB value (as @duckdb/node-api hands it to a scalar function) and its DuckDB type name as the argument
 * ClickHouse would hash: Date is its UInt16 day number, DateTime its UInt32 seconds. Other types are refused
 * rather than hashed differently from ClickHouse.
 */
export function cityHashArgOf(value: unknown, duckType: string): CityHashArg {
  const t = duckType.toUpperCase();
  if (t === 'VARCHAR') return String(value);
  if (t === 'BLOB' && value && typeof value === 'object' && 'bytes' in value) return (value as { bytes: Uint8Array }).bytes;
  const bits = INT_BITS[t];
  if (bits !== undefined) return { int: typeof value === 'boolean' ? Number(value) : (value as bigint | number), bits };
  if (t === 'DATE') return { int: (value as { days: number }).days, bits: 16 };
  if (t === 'TIMESTAMP_S') return { int: (value as { seconds: bigint }).seconds, bits: 32 };
  // DateTime is a TIMESTAMP holding whole seconds (types.ts); a stray fraction is dropped as ClickHouse would.
  if (t === 'TIMESTAMP') {
    const us = (value as { micros: bigint }).micros;
    return { int: (us - (((us % 1_000_000n) + 1_000_000n) % 1_000_000n)) / 1_000_000n, bits: 32 };
  }
  throw new RangeError(`cityHash64 of a ${duckType} value is not supported`);
}
