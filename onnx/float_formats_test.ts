import assert from "node:assert/strict";
import { decodeMinifloat } from "./float_formats.ts";

Deno.test("decodeMinifloat() matches float16's top byte for every float8e5m2 pattern", () => {
  const view = new DataView(new ArrayBuffer(2));
  for (let bits = 0; bits < 256; bits++) {
    view.setUint16(0, bits << 8);
    const expected = view.getFloat16(0);
    const got = decodeMinifloat("float8e5m2", bits);
    assert.ok(
      Object.is(got, expected) || (Number.isNaN(got) && Number.isNaN(expected)),
      `0x${bits.toString(16)}`,
    );
  }
});

Deno.test("decodeMinifloat() matches float32's top half for bfloat16 patterns", () => {
  const view = new DataView(new ArrayBuffer(4));
  for (let bits = 0; bits < 65536; bits += 7) {
    view.setUint32(0, bits << 16 >>> 0);
    const expected = view.getFloat32(0);
    const got = decodeMinifloat("bfloat16", bits);
    assert.ok(
      Object.is(got, expected) || (Number.isNaN(got) && Number.isNaN(expected)),
      `0x${bits.toString(16)}`,
    );
  }
});

Deno.test("decodeMinifloat() decodes float8e4m3fn extremes, subnormals and NaN", () => {
  assert.equal(decodeMinifloat("float8e4m3fn", 0x38), 1);
  assert.equal(decodeMinifloat("float8e4m3fn", 0x7e), 448);
  assert.equal(decodeMinifloat("float8e4m3fn", 0xfe), -448);
  assert.equal(decodeMinifloat("float8e4m3fn", 0x01), 2 ** -9);
  assert.equal(decodeMinifloat("float8e4m3fn", 0x08), 2 ** -6);
  assert.ok(Object.is(decodeMinifloat("float8e4m3fn", 0x80), -0));
  assert.ok(Number.isNaN(decodeMinifloat("float8e4m3fn", 0x7f)));
  assert.ok(Number.isNaN(decodeMinifloat("float8e4m3fn", 0xff)));
  // No infinities: the exponent-all-ones patterns below NaN are finite.
  assert.equal(decodeMinifloat("float8e4m3fn", 0x78), 256);
});

Deno.test("decodeMinifloat() decodes the fnuz formats with their biases and single NaN", () => {
  assert.equal(decodeMinifloat("float8e4m3fnuz", 0x40), 1);
  assert.equal(decodeMinifloat("float8e4m3fnuz", 0x7f), 240);
  assert.equal(decodeMinifloat("float8e4m3fnuz", 0x01), 2 ** -10);
  assert.ok(Number.isNaN(decodeMinifloat("float8e4m3fnuz", 0x80)));
  assert.equal(decodeMinifloat("float8e4m3fnuz", 0xc0), -1);
  assert.equal(decodeMinifloat("float8e5m2fnuz", 0x40), 1);
  assert.equal(decodeMinifloat("float8e5m2fnuz", 0x7f), 57344);
  assert.equal(decodeMinifloat("float8e5m2fnuz", 0x01), 2 ** -17);
  assert.ok(Number.isNaN(decodeMinifloat("float8e5m2fnuz", 0x80)));
});

Deno.test("decodeMinifloat() lists the sixteen float4e2m1 values", () => {
  const values = Array.from({ length: 16 }, (_, bits) => decodeMinifloat("float4e2m1", bits));
  assert.deepEqual(values.slice(0, 8), [0, 0.5, 1, 1.5, 2, 3, 4, 6]);
  assert.deepEqual(values.slice(9), [-0.5, -1, -1.5, -2, -3, -4, -6]);
  assert.ok(Object.is(values[8], -0));
});

Deno.test("decodeMinifloat() decodes float8e8m0 as unsigned powers of two", () => {
  assert.equal(decodeMinifloat("float8e8m0", 127), 1);
  assert.equal(decodeMinifloat("float8e8m0", 0), 2 ** -127);
  assert.equal(decodeMinifloat("float8e8m0", 254), 2 ** 127);
  assert.ok(Number.isNaN(decodeMinifloat("float8e8m0", 255)));
});
