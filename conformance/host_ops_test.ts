import assert from "node:assert/strict";
import { UnsupportedCase } from "./case.ts";
import { broadcastShapes, broadcastTo, kernelDtype, toFloat32, transpose } from "./host_ops.ts";

Deno.test("broadcastShapes() follows numpy rules and rejects mismatches", () => {
  assert.deepEqual(broadcastShapes([3, 1], [1, 2]), [3, 2]);
  assert.deepEqual(broadcastShapes([2, 1], [1, 5]), [2, 5]);
  assert.deepEqual(broadcastShapes([], [4]), [4]);
  assert.throws(() => broadcastShapes([3], [4]), RangeError);
});

Deno.test("broadcastTo() repeats along size-1 and missing leading dims", () => {
  assert.deepEqual([...broadcastTo([1, 2, 3], [3, 1], [2, 3, 2])], [
    1,
    1,
    2,
    2,
    3,
    3,
    1,
    1,
    2,
    2,
    3,
    3,
  ]);
  assert.deepEqual([...broadcastTo([7], [], [2, 2])], [7, 7, 7, 7]);
  assert.deepEqual([...broadcastTo([1, 2, 3, 4], [2, 2], [2, 2])], [1, 2, 3, 4]);
  assert.throws(() => broadcastTo([1, 2], [2], [3]), RangeError);
});

Deno.test("transpose() permutes axes like numpy", () => {
  // x[a][b][c] = 100a + 10b + c with shape [2, 3, 4]; y = x.transpose(2, 0, 1).
  const x = Array.from(
    { length: 24 },
    (_, i) => 100 * Math.floor(i / 12) + 10 * Math.floor(i / 4 % 3) + i % 4,
  );
  const y = transpose(x, [2, 3, 4], [2, 0, 1]);
  for (let c = 0; c < 4; c++) {
    for (let a = 0; a < 2; a++) {
      for (let b = 0; b < 3; b++) assert.equal(y[(c * 2 + a) * 3 + b], 100 * a + 10 * b + c);
    }
  }
  assert.throws(() => transpose([1, 2], [2], [1]), RangeError);
});

Deno.test("kernelDtype() maps float types and rejects others as unsupported", () => {
  const t = (dataType: "float" | "int8") => ({
    name: "",
    dataType,
    dims: [1],
    data: new Float32Array(1),
    docString: "",
  });
  assert.equal(kernelDtype(t("float"), "A"), "f32");
  assert.throws(() => kernelDtype(t("int8"), "A"), UnsupportedCase);
  assert.deepEqual([...toFloat32({ ...t("float"), data: Int8Array.of(-3) })], [-3]);
});
