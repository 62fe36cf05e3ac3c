// Hex and base64 decoding and the TUF date format, over raw bytes (no allocation).

/** The value of hex digit `c` (either case), or -1. */
export function hexNibble(c: u32): i32 {
  if (c >= 0x30 && c <= 0x39) return <i32>(c - 0x30);
  if (c >= 0x61 && c <= 0x66) return <i32>(c - 0x61 + 10);
  if (c >= 0x41 && c <= 0x46) return <i32>(c - 0x41 + 10);
  return -1;
}

/** Decodes exactly `outLen` bytes from `2 * outLen` hex characters; false on any bad input. */
export function hexDecode(src: usize, srcLen: u32, out: usize, outLen: u32): bool {
  if (srcLen != outLen * 2) return false;
  for (let k: u32 = 0; k < outLen; k++) {
    const hi = hexNibble(<u32>load<u8>(src + <usize>(2 * k)));
    const lo = hexNibble(<u32>load<u8>(src + <usize>(2 * k + 1)));
    if (hi < 0 || lo < 0) return false;
    store<u8>(out + <usize>k, <u8>((hi << 4) | lo));
  }
  return true;
}

function b64Value(c: u32): i32 {
  if (c >= 0x41 && c <= 0x5a) return <i32>(c - 0x41);
  if (c >= 0x61 && c <= 0x7a) return <i32>(c - 0x61 + 26);
  if (c >= 0x30 && c <= 0x39) return <i32>(c - 0x30 + 52);
  if (c == 0x2b) return 62;
  if (c == 0x2f) return 63;
  return -1;
}

/** Decodes padded standard base64 into exactly `outLen` bytes; false otherwise. */
export function base64Decode(src: usize, srcLen: u32, out: usize, outLen: u32): bool {
  if (srcLen % 4 != 0 || srcLen == 0) return false;
  let pad: u32 = 0;
  if (load<u8>(src + <usize>(srcLen - 1)) == 0x3d) pad++;
  if (load<u8>(src + <usize>(srcLen - 2)) == 0x3d) pad++;
  if ((srcLen / 4) * 3 - pad != outLen) return false;
  let o: u32 = 0;
  for (let k: u32 = 0; k < srcLen; k += 4) {
    let acc: u32 = 0;
    for (let j: u32 = 0; j < 4; j++) {
      const c = <u32>load<u8>(src + <usize>(k + j));
      let v: i32;
      if (c == 0x3d && k + j >= srcLen - pad) v = 0;
      else v = b64Value(c);
      if (v < 0) return false;
      acc = (acc << 6) | <u32>v;
    }
    for (let j: u32 = 0; j < 3; j++) {
      if (o < outLen) store<u8>(out + <usize>o, <u8>(acc >> (16 - 8 * j)));
      o++;
    }
  }
  return true;
}

// Layout of "YYYY-MM-DDTHH:MM:SSZ": separator positions and characters.
const SEPARATORS = memory.data<u8>([4, 0x2d, 7, 0x2d, 10, 0x54, 13, 0x3a, 16, 0x3a, 19, 0x5a]);

/** What parseIsoTime returns for a malformed date: before year 0000, the earliest it parses (and a shorter constant than i64.MIN_VALUE). */
export const BAD_TIME: i64 = -(<i64>1 << 40);

/** Unix seconds of "YYYY-MM-DDTHH:MM:SSZ", or BAD_TIME when malformed. */
export function parseIsoTime(p: usize, n: u32): i64 {
  const bad = BAD_TIME;
  if (n != 20) return bad;
  // the six numbers: digits everywhere except the separators
  let field: i32 = 0;
  let v: i32 = 0;
  let sep: u32 = 0;
  const parts = scratch;
  for (let k: u32 = 0; k < 20; k++) {
    const c = <i32>load<u8>(p + k);
    if (sep < 6 && k == <u32>load<u8>(SEPARATORS + sep * 2)) {
      if (c != <i32>load<u8>(SEPARATORS + sep * 2 + 1)) return bad;
      store<i32>(parts + <usize>field * 4, v);
      field++;
      v = 0;
      sep++;
      continue;
    }
    if (c < 0x30 || c > 0x39) return bad;
    v = v * 10 + c - 0x30;
  }
  const y = load<i32>(parts);
  const mo = load<i32>(parts, 4);
  const d = load<i32>(parts, 8);
  const h = load<i32>(parts, 12);
  const mi = load<i32>(parts, 16);
  const s = load<i32>(parts, 20);
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return bad;
  const leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  // 31 days for January, March, May, July, August, October, December: odd months to July, even from August
  const dim = mo == 2 ? (leap ? 29 : 28) : 30 + ((mo ^ (mo >> 3)) & 1);
  if (d > dim) return bad;
  // days from civil (proleptic Gregorian); years 0000-9999 keep every term in i32
  const yy = (mo <= 2 ? y - 1 : y) + 400;
  const era = yy / 400;
  const yoe = yy - era * 400;
  const doy = (153 * ((mo + 9) % 12) + 2) / 5 + d - 1;
  const days = (era - 1) * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
  return <i64>days * 86400 + <i64>(h * 3600 + mi * 60 + s);
}

const scratch = memory.data(24);
