import assert from "node:assert/strict";
import { parseConv2dShape } from "./parse_shape.ts";

Deno.test("parseConv2dShape() reads every field, when the ResNet layer is written out", () => {
  const p = parseConv2dShape("N8,C64,H56,W56,K64,R3,S3,stride1,pad1");
  assert.equal(p.batch, 8);
  assert.equal(p.inChannels, 64);
  assert.equal(p.height, 56);
  assert.equal(p.width, 56);
  assert.equal(p.outChannels, 64);
  assert.equal(p.kernelH, 3);
  assert.equal(p.kernelW, 3);
  assert.deepEqual([p.padTop, p.padLeft, p.padBottom, p.padRight], [1, 1, 1, 1]);
  assert.equal(p.dtype, "f32");
  assert.equal(p.layout, "NCHW");
});

Deno.test("parseConv2dShape() fills N, W and S, when they are left out", () => {
  const p = parseConv2dShape(" c3 , h224 , k64 , r7 , stride2 , pad3 ");
  assert.deepEqual([p.batch, p.width, p.kernelW, p.strideW], [1, 224, 7, 2]);
});

Deno.test("parseConv2dShape() reads pairs, ONNX pads, groups and flags, when given", () => {
  const p = parseConv2dShape(
    "N2,C8,H9,W11,K4,R3,S5,stride2x3,pad0x1x2x3,dil2x1,g2,nhwc,bias,relu6",
    "f16",
  );
  assert.deepEqual([p.strideH, p.strideW], [2, 3]);
  assert.deepEqual([p.padTop, p.padLeft, p.padBottom, p.padRight], [0, 1, 2, 3]);
  assert.deepEqual([p.dilationH, p.dilationW], [2, 1]);
  assert.equal(p.groups, 2);
  assert.equal(p.layout, "NHWC");
  assert.equal(p.bias, true);
  assert.equal(p.activation, "relu6");
  assert.equal(p.dtype, "f16");
  const hw = parseConv2dShape("C4,H8,K4,R3,pad1x2");
  assert.deepEqual([hw.padTop, hw.padLeft, hw.padBottom, hw.padRight], [1, 2, 1, 2]);
  const dw = parseConv2dShape("C32,H28,K64,R3,dw,relu");
  assert.equal(dw.groups, 32);
  assert.equal(dw.activation, "relu");
});

Deno.test("parseConv2dShape() throws RangeErrors quoting the field, when the text is bad", () => {
  const cases: Array<[string, RegExp]> = [
    ["C64,H56,K64", /the field R<int> is missing in 'C64,H56,K64'/],
    ["8x64x56x56", /cannot read field '8x64x56x56'/],
    ["C4,H8,K4,R3,Q2", /unknown field 'q2'/],
    ["C4,H8,K4,R3,stride", /field 'stride' needs a value/],
    ["C4,H8,K4,R3,stride1x2x3", /'stride1x2x3' must be <int> or <int>x<int>/],
    ["C4,H8,K4,R3,pad1x2x3", /'pad1x2x3' must be/],
    ["C4,H8,K4,R3,C5", /field 'c' is given twice/],
    ["C4,H8,K4,R3,relu,relu6", /field 'activation' is given twice/],
    ["C4,H8,K4,R3,g2,dw", /'dw' and 'g' cannot both be given/],
    ["C4,H8,K4,R3,,", /cannot read field ''/],
  ];
  for (const [shape, message] of cases) {
    assert.throws(() => parseConv2dShape(shape), (error: Error) => {
      assert.ok(error instanceof RangeError, `${shape}: ${error}`);
      assert.match(error.message, message);
      return true;
    });
  }
  // Values that parse but make no valid problem are reported by the problem's validation.
  assert.throws(() => parseConv2dShape("C4,H8,K6,R3,g4"), /'groups' must divide outChannels/);
  assert.throws(() => parseConv2dShape("C4,H2,K4,R3"), /output height must be at least 1/);
  assert.throws(() => parseConv2dShape("C4,H8,K4,R3", "f64"), /'dtype'/);
});

Deno.test("parseConv2dShape() calls Object.prototype names unknown fields, when a token is one", () => {
  for (const token of ["constructor5", "hasownproperty1", "proto2", "valueof3"]) {
    assert.throws(
      () => parseConv2dShape(`N1,C1,H4,K1,R1,${token}`),
      (error: Error) =>
        error instanceof RangeError && error.message.includes(`unknown field '${token}'`),
      token,
    );
  }
});
