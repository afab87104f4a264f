// html_hash: FNV-1a 64 over the UTF-8 bytes of s, as 16 hex digits (see
// fragments/doc.go). The 64-bit state is kept in two 32-bit halves; the
// prime is 2^40 + 435.
export function fnv(s) {
  var b = new TextEncoder().encode(s),
    hi = 0xcbf29ce4,
    lo = 0x84222325,
    i,
    t;
  for (i = 0; i < b.length; i++) {
    lo = (lo ^ b[i]) >>> 0;
    t = lo * 435;
    hi = (hi * 435 + Math.floor(t / 4294967296) + lo * 256) >>> 0;
    lo = t >>> 0;
  }
  return hex(hi) + hex(lo);
}

function hex(n) {
  return ("0000000" + n.toString(16)).slice(-8);
}

// norm makes two spellings of one hash compare equal.
export function norm(h) {
  return String(h).toLowerCase().replace(/^0+/, "");
}
