import assert from "node:assert/strict";
import { conformanceDir, missingConformanceData } from "../conformance/data_dir.ts";
import { buildTensor } from "./build.ts";
import { decodeTensor } from "./tensor.ts";
import { encodeMinifloat, encodeTensor } from "./tensor_write.ts";
import { decodeMinifloat, type MinifloatFormat } from "./float_formats.ts";

const dir = conformanceDir();
const missing = missingConformanceData(dir);

function* pbFiles(folder: URL): Generator<URL> {
  for (const entry of Deno.readDirSync(folder)) {
    const url = new URL(entry.isDirectory ? `${entry.name}/` : entry.name, folder);
    if (entry.isDirectory) yield* pbFiles(url);
    else if (entry.name.endsWith(".pb")) yield url;
  }
}

Deno.test({
  name: "encodeTensor() round-trips every conformance .pb tensor, when decoded again",
  ignore: missing !== undefined,
  fn() {
    let count = 0;
    for (const file of pbFiles(dir)) {
      const tensor = decodeTensor(Deno.readFileSync(file));
      assert.deepStrictEqual(decodeTensor(encodeTensor(tensor)), tensor, file.href);
      count++;
    }
    assert.ok(count >= 900, `${count} files`);
  },
});

Deno.test("encodeMinifloat() inverts decodeMinifloat() for every pattern, when not NaN", () => {
  const formats: MinifloatFormat[] = [
    "float8e4m3fn",
    "float8e4m3fnuz",
    "float8e5m2",
    "float8e5m2fnuz",
    "float4e2m1",
    "float8e8m0",
  ];
  for (const format of formats) {
    for (let bits = 0; bits < (format === "float4e2m1" ? 16 : 256); bits++) {
      const v = decodeMinifloat(format, bits);
      if (Number.isNaN(v)) continue;
      assert.ok(
        Object.is(decodeMinifloat(format, encodeMinifloat(format, v)), v),
        `${format} ${bits}`,
      );
    }
  }
  assert.throws(() => encodeMinifloat("float8e4m3fn", 0.3), RangeError);
});

Deno.test("encodeTensor() rejects data that does not match dims", () => {
  assert.throws(
    () => encodeTensor({ ...buildTensor("x", "float", [2], [1, 2]), dims: [3] }),
    RangeError,
  );
});

Deno.test("encodeTensor() rejects 64-bit integers given as unsafe numbers", () => {
  assert.throws(() => encodeTensor(buildTensor("x", "int64", [1], [2 ** 63])), RangeError);
  assert.throws(() => encodeTensor(buildTensor("x", "int64", [1], [1.5])), RangeError);
});
