import assert from "node:assert/strict";
import { conformanceDir, missingConformanceData } from "../conformance/data_dir.ts";
import { dataTypeCode, type OnnxDataType } from "./data_type.ts";
import { onnxMessageType } from "./schema.ts";
import {
  decodeTensor,
  externalReaderBeside,
  readTensorFile,
  tensorSize,
  tensorToFloat64,
} from "./tensor.ts";

const TensorProto = onnxMessageType("TensorProto");

function encode(fields: Record<string, unknown>): Uint8Array {
  return TensorProto.encode(TensorProto.fromObject(fields)).finish();
}

function rawBytes(count: number, write: (view: DataView, i: number) => void, width: number) {
  const view = new DataView(new ArrayBuffer(count * width));
  for (let i = 0; i < count; i++) write(view, i);
  return new Uint8Array(view.buffer);
}

Deno.test("decodeTensor() gives the same values from raw_data and from the typed fields", () => {
  const cases: [
    OnnxDataType,
    string,
    number[],
    number,
    (v: DataView, i: number, x: number) => void,
  ][] = [
    ["float", "float_data", [1.5, -2, 3.25], 4, (v, i, x) => v.setFloat32(4 * i, x, true)],
    ["double", "double_data", [1e-300, -2, Math.PI], 8, (v, i, x) => v.setFloat64(8 * i, x, true)],
    ["int8", "int32_data", [-128, 0, 127], 1, (v, i, x) => v.setInt8(i, x)],
    ["uint8", "int32_data", [0, 200, 255], 1, (v, i, x) => v.setUint8(i, x)],
    ["int16", "int32_data", [-32768, 5, 32767], 2, (v, i, x) => v.setInt16(2 * i, x, true)],
    ["uint16", "int32_data", [0, 65535, 7], 2, (v, i, x) => v.setUint16(2 * i, x, true)],
    [
      "int32",
      "int32_data",
      [-(2 ** 31), 1, 2 ** 31 - 1],
      4,
      (v, i, x) => v.setInt32(4 * i, x, true),
    ],
    ["uint32", "uint64_data", [0, 2 ** 32 - 1, 9], 4, (v, i, x) => v.setUint32(4 * i, x, true)],
    [
      "int64",
      "int64_data",
      [-(2 ** 53) + 1, 0, 2 ** 40],
      8,
      (v, i, x) => v.setBigInt64(8 * i, BigInt(x), true),
    ],
    [
      "float16",
      "int32_data",
      [0x3c00, 0xc000, 0x3555],
      2,
      (v, i, x) => v.setUint16(2 * i, x, true),
    ],
  ];
  for (const [type, field, values, width, write] of cases) {
    const data_type = dataTypeCode(type);
    const fromFields = decodeTensor(encode({ dims: [3], data_type, [field]: values }));
    const fromRaw = decodeTensor(
      encode({
        dims: [3],
        data_type,
        raw_data: rawBytes(3, (v, i) => write(v, i, values[i]!), width),
      }),
    );
    assert.deepEqual(fromRaw.data, fromFields.data, type);
    assert.equal(fromRaw.dataType, type);
    if (type !== "float16") {
      assert.deepEqual(Array.from(fromRaw.data as ArrayLike<number>), values, type);
    }
  }
});

Deno.test("decodeTensor() decodes float16 patterns into a Float16Array", () => {
  const t = decodeTensor(
    encode({ dims: [3], data_type: 10, int32_data: [0x3c00, 0xc000, 0x7c00] }),
  );
  assert.ok(t.data instanceof Float16Array);
  assert.deepEqual(Array.from(t.data as Float16Array), [1, -2, Infinity]);
});

Deno.test("decodeTensor() keeps int64 beyond 2^53 exact in a BigInt64Array", () => {
  const big = 2n ** 62n + 1n;
  const raw = rawBytes(2, (v, i) => v.setBigInt64(8 * i, i === 0 ? big : -5n, true), 8);
  const t = decodeTensor(encode({ dims: [2], data_type: 7, raw_data: raw }));
  assert.ok(t.data instanceof BigInt64Array);
  assert.deepEqual([...t.data as BigInt64Array], [big, -5n]);
  assert.throws(() => tensorToFloat64(t), RangeError);
  const viaField = decodeTensor(
    encode({ dims: [1], data_type: 7, int64_data: ["-4611686018427387905"] }),
  );
  assert.deepEqual([...viaField.data as BigInt64Array], [-(2n ** 62n) - 1n]);
  const uint = decodeTensor(
    encode({ dims: [1], data_type: 13, uint64_data: ["18446744073709551615"] }),
  );
  assert.deepEqual([...uint.data as BigUint64Array], [2n ** 64n - 1n]);
});

Deno.test("decodeTensor() unpacks 4-bit and 2-bit types, low bits first", () => {
  // int4 [-8, 7, -1, 0, 3]: nibbles 0x8, 0x7, 0xf, 0x0, 0x3 → bytes 0x78, 0x0f, 0x03.
  const packed = new Uint8Array([0x78, 0x0f, 0x03]);
  const fromRaw = decodeTensor(encode({ dims: [5], data_type: 22, raw_data: packed }));
  const fromField = decodeTensor(encode({ dims: [5], data_type: 22, int32_data: [...packed] }));
  assert.deepEqual([...fromRaw.data as Int8Array], [-8, 7, -1, 0, 3]);
  assert.deepEqual(fromField.data, fromRaw.data);
  const uint4 = decodeTensor(encode({ dims: [5], data_type: 21, raw_data: packed }));
  assert.deepEqual([...uint4.data as Uint8Array], [8, 7, 15, 0, 3]);
  // int2 [1, -2, -1, 0, 1]: fields 01, 10, 11, 00 | 01 → bytes 0b00111001, 0b01.
  const int2 = decodeTensor(
    encode({ dims: [5], data_type: 26, raw_data: new Uint8Array([0b00111001, 0b01]) }),
  );
  assert.deepEqual([...int2.data as Int8Array], [1, -2, -1, 0, 1]);
  const fp4 = decodeTensor(encode({ dims: [2], data_type: 23, raw_data: new Uint8Array([0xf7]) }));
  assert.deepEqual([...fp4.data as Float32Array], [6, -6]);
  assert.throws(
    () => decodeTensor(encode({ dims: [5], data_type: 22, raw_data: new Uint8Array([1, 2]) })),
    RangeError,
  );
});

Deno.test("decodeTensor() decodes bool, string, complex and empty tensors", () => {
  const bools = decodeTensor(
    encode({ dims: [3], data_type: 9, raw_data: new Uint8Array([0, 1, 2]) }),
  );
  assert.deepEqual([...bools.data as Uint8Array], [0, 1, 1]);
  const strings = decodeTensor(
    encode({
      dims: [2],
      data_type: 8,
      string_data: [new TextEncoder().encode("héllo"), new Uint8Array()],
    }),
  );
  assert.deepEqual(strings.data, ["héllo", ""]);
  const complex = decodeTensor(encode({ dims: [1], data_type: 14, float_data: [1, -2] }));
  assert.deepEqual([...complex.data as Float32Array], [1, -2]);
  assert.throws(() => tensorToFloat64(complex), TypeError);
  const empty = decodeTensor(encode({ dims: [0, 3], data_type: 1 }));
  assert.equal(empty.data.length, 0);
  const scalar = decodeTensor(encode({ dims: [], data_type: 1, float_data: [7] }));
  assert.deepEqual(scalar.dims, []);
  assert.deepEqual([...scalar.data as Float32Array], [7]);
});

Deno.test("decodeTensor() rejects data whose length does not match dims", () => {
  assert.throws(
    () => decodeTensor(encode({ name: "w", dims: [2, 2], data_type: 1, float_data: [1, 2, 3] })),
    (e: Error) =>
      e instanceof RangeError && e.message.includes("'w'") && e.message.includes("float_data"),
  );
  assert.throws(
    () => decodeTensor(encode({ dims: [2], data_type: 1, raw_data: new Uint8Array(7) })),
    RangeError,
  );
  assert.throws(() => decodeTensor(encode({ dims: [1], data_type: 0 })), RangeError);
  assert.throws(
    () => decodeTensor(encode({ dims: [1], data_type: 8, raw_data: new Uint8Array(1) })),
    TypeError,
  );
});

Deno.test("decodeTensor() reads external data at its offset and length", () => {
  const dir = Deno.makeTempDirSync({ prefix: "wgtune #onnx %20" }); // characters URLs would misread
  try {
    const values = [0, 0, 2.5, -1];
    Deno.writeFileSync(
      `${dir}/weights.bin`,
      rawBytes(4, (v, i) => v.setFloat32(4 * i, values[i]!, true), 4),
    );
    const external = (entries: Record<string, string>) =>
      encode({
        name: "w",
        dims: [2],
        data_type: 1,
        data_location: 1,
        external_data: Object.entries(entries).map(([key, value]) => ({ key, value })),
      });
    const reader = externalReaderBeside(`${dir}/model.onnx`);
    const t = decodeTensor(external({ location: "weights.bin", offset: "8", length: "8" }), {
      externalData: reader,
    });
    assert.deepEqual([...t.data as Float32Array], [2.5, -1]);
    assert.throws(() => decodeTensor(external({ location: "weights.bin" })), TypeError);
    assert.throws(
      () =>
        decodeTensor(external({ location: "weights.bin", offset: "12", length: "8" }), {
          externalData: reader,
        }),
      RangeError,
    );
    assert.throws(
      () => decodeTensor(external({ location: "../escape.bin" }), { externalData: reader }),
      RangeError,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("tensorSize() multiplies dims", () => {
  assert.equal(tensorSize([2, 3, 4]), 24);
  assert.equal(tensorSize([]), 1);
  assert.equal(tensorSize([5, 0]), 0);
});

const dataDir = conformanceDir();
const missing = missingConformanceData(dataDir);

Deno.test({
  name: "readTensorFile() decodes backend-test tensors so that DequantizeLinear's outputs follow",
  ignore: missing !== undefined,
  async fn() {
    // Per-tensor cases: y = (x - zero_point) * scale, computed by numpy and stored as output_0.
    const names = [
      "int16",
      "uint16",
      "int4",
      "uint4",
      "int2",
      "uint2",
      "e4m3fn",
      "e4m3fn_zero_point",
      "e5m2",
      "float4e2m1",
      "e4m3fn_float16",
    ];
    for (
      const name of [
        "test_dequantizelinear",
        ...names.map((n) => `test_dequantizelinear_${n}`),
      ]
    ) {
      const base = new URL(`onnx-node/${name}/test_data_set_0/`, dataDir);
      const files = [...Deno.readDirSync(base)].map((e) => e.name).sort();
      const inputs = await Promise.all(
        files.filter((f) => f.startsWith("input_")).map((f) => readTensorFile(new URL(f, base))),
      );
      const output = await readTensorFile(new URL("output_0.pb", base));
      const [x, scale, zeroPoint] = inputs;
      assert.ok(x && scale, name);
      assert.equal(tensorSize(scale.dims), 1, name);
      const s = tensorToFloat64(scale)[0]!;
      const zp = zeroPoint ? tensorToFloat64(zeroPoint)[0]! : 0;
      const round = output.dataType === "float16" ? Math.f16round : Math.fround;
      const expected = [...tensorToFloat64(x)].map((v) => round((v - zp) * s));
      assert.deepEqual([...tensorToFloat64(output)], expected, name);
      assert.deepEqual(output.dims, x.dims, name);
    }
  },
});
