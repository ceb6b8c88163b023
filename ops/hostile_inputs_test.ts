import assert from "node:assert/strict";
import { openDevice } from "../gpu/device.ts";
import { matmulFamily } from "../kernels/matmul/family.ts";
import { DEFAULT_CAPS } from "../core/types.ts";
import { GPU_AVAILABLE, testGpu } from "../tests/gpu_fixture.ts";
import { attention } from "./attention.ts";
import { conv2d } from "./conv2d.ts";
import { loadKernel, lookupTunedConfig } from "./kernel_handle.ts";
import { matmul } from "./matmul.ts";
import { runOp } from "./run_op.ts";

// Every call is typed `any` on purpose: these are the values a JavaScript caller (or a wrong
// cast) can pass.
// deno-lint-ignore no-explicit-any
type Loose = any;

const noCache = { cacheDir: null };
const f = (n: number) => new Float32Array(n).fill(1);

/** One hostile call: what it is, the call, and the exact error class and message it must give. */
type Case = [
  label: string,
  call: (gpu: Loose) => Promise<unknown>,
  kind: ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor,
  message: RegExp,
];

async function expectError(gpu: Loose, [label, call, kind, message]: Case): Promise<void> {
  let thrown: unknown;
  try {
    await call(gpu);
  } catch (error) {
    thrown = error;
  }
  assert.ok(thrown !== undefined, `${label}: no error`);
  assert.ok(thrown instanceof Error, `${label}: threw a non-Error ${String(thrown)}`);
  assert.equal(thrown.constructor, kind, `${label}: ${thrown.name}: ${thrown.message}`);
  assert.match(thrown.message, message, label);
  assert.ok(!thrown.message.includes("\n"), `${label}: the message is not one line`);
}

const mm = { m: 2, n: 2, k: 2 };
// deno-fmt-ignore
const matmulCases: Case[] = [
  ["a is a string", (g) => matmul(g, "abcd" as Loose, f(4), mm, noCache), TypeError, /^'a' must be a Float32Array: current value is 'abcd'$/],
  ["a is null", (g) => matmul(g, null as Loose, f(4), mm, noCache), TypeError, /^'a' must be a Float32Array: current value is null$/],
  ["b is undefined", (g) => matmul(g, f(4), undefined as Loose, mm, noCache), TypeError, /^'b' must be a Float32Array: current value is undefined$/],
  ["a is a Float64Array", (g) => matmul(g, new Float64Array(4) as Loose, f(4), mm, noCache), TypeError, /^'a' must be a Float32Array: current value is a Float64Array of length 4$/],
  ["b is an Array", (g) => matmul(g, f(4), [1, 2, 3, 4] as Loose, mm, noCache), TypeError, /^'b' must be a Float32Array: current value is an Array of length 4$/],
  ["a is too short", (g) => matmul(g, f(3), f(4), mm, noCache), RangeError, /input 'a' must have 4 elements: current length is 3/],
  ["b is too long", (g) => matmul(g, f(4), f(6), mm, noCache), RangeError, /input 'b' must have 4 elements: current length is 6/],
  ["shape is null", (g) => matmul(g, f(4), f(4), null as Loose, noCache), TypeError, /^'shape' must be an object: current value is null$/],
  ["shape is a string", (g) => matmul(g, f(4), f(4), "2x2x2" as Loose, noCache), TypeError, /^'shape' must be an object: current value is '2x2x2'$/],
  ["m is a string", (g) => matmul(g, f(4), f(4), { ...mm, m: "2" } as Loose, noCache), TypeError, /^'m' must be a positive integer: current value is '2'$/],
  ["k is 0", (g) => matmul(g, f(4), f(4), { ...mm, k: 0 }, noCache), RangeError, /^'k' must be a positive integer: current value is 0$/],
  ["dtype is f64", (g) => matmul(g, f(4), f(4), { ...mm, dtype: "f64" } as Loose, noCache), RangeError, /^'dtype' must be f32 or f16: current value is 'f64'$/],
  ["activation is gelu", (g) => matmul(g, f(4), f(4), { ...mm, activation: "gelu" } as Loose, noCache), RangeError, /^'activation' must be none or relu: current value is 'gelu'$/],
  ["bias is null", (g) => matmul(g, f(4), f(4), { ...mm, bias: null } as Loose, noCache), TypeError, /^'bias' must be a Float32Array or undefined: current value is null$/],
  ["bias is true", (g) => matmul(g, f(4), f(4), { ...mm, bias: true } as Loose, noCache), TypeError, /^'bias' must be a Float32Array or undefined: current value is true$/],
  ["bias has the wrong length", (g) => matmul(g, f(4), f(4), { ...mm, bias: f(3) }, noCache), RangeError, /input 'bias' must have 2 elements: current length is 3/],
  ["options is null", (g) => matmul(g, f(4), f(4), mm, null as Loose), TypeError, /^'options' must be an object: current value is null$/],
  ["options is a string", (g) => matmul(g, f(4), f(4), mm, "fast" as Loose), TypeError, /^'options' must be an object: current value is 'fast'$/],
  ["cacheDir is a number", (g) => matmul(g, f(4), f(4), mm, { cacheDir: 123 } as Loose), TypeError, /^'cacheDir' must be a directory path, null or undefined: current value is 123$/],
  ["cacheDir is an object", (g) => matmul(g, f(4), f(4), mm, { cacheDir: {} } as Loose), TypeError, /^'cacheDir' must be a directory path, null or undefined: current value is an object$/],
  ["cacheDir is false", (g) => matmul(g, f(4), f(4), mm, { cacheDir: false } as Loose), TypeError, /^'cacheDir' must be .*: current value is false$/],
  ["cacheDir is empty", (g) => matmul(g, f(4), f(4), mm, { cacheDir: "" }), RangeError, /^'cacheDir' must be a directory path, null or undefined: current value is ''$/],
  ["an option is misspelt", (g) => matmul(g, f(4), f(4), mm, { cachedir: null } as Loose), RangeError, /^'options' has an unknown field 'cachedir': expected config, cacheDir, nearest$/],
  ["config is a string", (g) => matmul(g, f(4), f(4), mm, { config: "fast" } as Loose), TypeError, /^'config' must be an object: current value is 'fast'$/],
  ["config is null", (g) => matmul(g, f(4), f(4), mm, { config: null } as Loose), TypeError, /^'config' must be an object: current value is null$/],
  ["config has an unknown parameter", (g) => matmul(g, f(4), f(4), mm, { config: { ...defaultMatmulConfig(g), bogus: 1 } }), RangeError, /^'config' has an unknown parameter 'bogus' for matmul: expected variant, /],
  ["a config value is an object", (g) => matmul(g, f(4), f(4), mm, { config: { ...defaultMatmulConfig(g), tileM: {} } } as Loose), TypeError, /^'config.tileM' must be a number, string or boolean: current value is an object$/],
  ["a config value is NaN", (g) => matmul(g, f(4), f(4), mm, { config: { ...defaultMatmulConfig(g), tileM: NaN } }), TypeError, /^'config.tileM' must be a number, string or boolean: current value is NaN$/],
  ["gpu is null", () => matmul(null as Loose, f(4), f(4), mm, noCache), TypeError, /^'gpu' must be a Gpu from openDevice\(\): current value is null$/],
  ["gpu is a plain object", () => matmul({} as Loose, f(4), f(4), mm, noCache), TypeError, /^'gpu' must be a Gpu from openDevice\(\): current value is an object$/],
];

function defaultMatmulConfig(gpu: Loose) {
  return matmulFamily.defaultConfig(matmulFamily.normalizeProblem(mm), gpu.caps);
}

const conv = {
  batch: 1,
  inChannels: 1,
  height: 3,
  width: 3,
  outChannels: 2,
  kernelH: 1,
  kernelW: 1,
};
// deno-fmt-ignore
const convCases: Case[] = [
  ["input is a string", (g) => conv2d(g, "abcdefghi" as Loose, f(2), undefined, conv, noCache), TypeError, /^'input' must be a Float32Array: current value is 'abcdefghi'$/],
  ["weight is null", (g) => conv2d(g, f(9), null as Loose, undefined, conv, noCache), TypeError, /^'weight' must be a Float32Array: current value is null$/],
  ["bias is null", (g) => conv2d(g, f(9), f(2), null as Loose, conv, noCache), TypeError, /^'bias' must be a Float32Array or undefined: current value is null$/],
  ["bias is an Array", (g) => conv2d(g, f(9), f(2), [1, 2] as Loose, conv, noCache), TypeError, /^'bias' must be a Float32Array or undefined: current value is an Array of length 2$/],
  ["input is too short", (g) => conv2d(g, f(8), f(2), undefined, conv, noCache), RangeError, /input 'input' must have 9 elements: current length is 8/],
  ["bias has the wrong length", (g) => conv2d(g, f(9), f(2), f(3), conv, noCache), RangeError, /input 'bias' must have 2 elements: current length is 3/],
  ["shape is undefined", (g) => conv2d(g, f(9), f(2), undefined, undefined as Loose, noCache), TypeError, /^'shape' must be an object: current value is undefined$/],
  ["inChannels is a string", (g) => conv2d(g, f(9), f(2), undefined, { ...conv, inChannels: "1" } as Loose, noCache), TypeError, /^'inChannels' must be a positive integer: current value is '1'$/],
  ["options is an array", (g) => conv2d(g, f(9), f(2), undefined, conv, [] as Loose), TypeError, /^'options' must be an object: current value is an Array of length 0$/],
  ["cacheDir is a number", (g) => conv2d(g, f(9), f(2), undefined, conv, { cacheDir: 123 } as Loose), TypeError, /^'cacheDir' must be a directory path, null or undefined: current value is 123$/],
];

const att = { batch: 1, heads: 1, seqQ: 2, seqKV: 2, headDim: 2 };
// deno-fmt-ignore
const attentionCases: Case[] = [
  ["q is a string", (g) => attention(g, "abcd" as Loose, f(4), f(4), att, noCache), TypeError, /^'q' must be a Float32Array: current value is 'abcd'$/],
  ["k is null", (g) => attention(g, f(4), null as Loose, f(4), att, noCache), TypeError, /^'k' must be a Float32Array: current value is null$/],
  ["v is an Array", (g) => attention(g, f(4), f(4), [1, 2, 3, 4] as Loose, att, noCache), TypeError, /^'v' must be a Float32Array: current value is an Array of length 4$/],
  ["k is too short", (g) => attention(g, f(4), f(3), f(4), att, noCache), RangeError, /input 'k' must have 4 elements: current length is 3/],
  ["shape is null", (g) => attention(g, f(4), f(4), f(4), null as Loose, noCache), TypeError, /^'shape' must be an object: current value is null$/],
  ["mask is a string", (g) => attention(g, f(4), f(4), f(4), { ...att, mask: "mask" } as Loose, noCache), TypeError, /^'mask' must be a Float32Array or undefined: current value is 'mask'$/],
  ["maskShape is a string without a mask", (g) => attention(g, f(4), f(4), f(4), { ...att, maskShape: "2x2" } as Loose, noCache), TypeError, /^'maskShape' needs a 'mask': current maskShape is '2x2'$/],
  ["seqQ is a string, with a mask", (g) => attention(g, f(4), f(4), f(4), { ...att, seqQ: "2", mask: f(4) } as Loose, noCache), TypeError, /^'seqQ' must be a positive integer: current value is '2'$/],
  ["dtype is f64", (g) => attention(g, f(4), f(4), f(4), { ...att, dtype: "f64" } as Loose, noCache), RangeError, /'dtype'/],
  ["cacheDir is a number", (g) => attention(g, f(4), f(4), f(4), att, { cacheDir: 123 } as Loose), TypeError, /^'cacheDir' must be a directory path, null or undefined: current value is 123$/],
];

const ab = [{ name: "a", data: f(4) }, { name: "b", data: f(4) }];
// deno-fmt-ignore
const runOpCases: Case[] = [
  ["op is toString", (g) => runOp(g, "toString", mm, ab, noCache), RangeError, /^unknown op 'toString': expected one of matmul/],
  ["op is a number", (g) => runOp(g, 5 as Loose, mm, ab, noCache), TypeError, /^'op' must be a string: current value is 5$/],
  ["inputs is null", (g) => runOp(g, "matmul", mm, null as Loose, noCache), TypeError, /^'inputs' must be an array of \{ name, data \}: current value is null$/],
  ["an input is null", (g) => runOp(g, "matmul", mm, [null, ab[1]] as Loose, noCache), TypeError, /^'inputs\[0\]' must be an object: current value is null$/],
  ["an input name is a number", (g) => runOp(g, "matmul", mm, [{ name: 1, data: f(4) }] as Loose, noCache), TypeError, /^'inputs\[0\].name' must be a string: current value is 1$/],
  ["input data is a string", (g) => runOp(g, "matmul", mm, [{ name: "a", data: "abcd" }, ab[1]] as Loose, noCache), TypeError, /^'inputs\[0\].data' \('a'\) must be a Float32Array or an Int32Array: current value is 'abcd'$/],
  ["an input is named twice", (g) => runOp(g, "matmul", mm, [...ab, ab[0]!], noCache), RangeError, /^'inputs' names 'a' twice/],
  ["an input has an unknown name", (g) => runOp(g, "matmul", mm, [...ab, { name: "x", data: f(4) }], noCache), RangeError, /'inputs' has an unknown tensor 'x': expected a, b$/],
  ["an input is missing", (g) => runOp(g, "matmul", mm, [ab[0]!], noCache), TypeError, /missing input 'b'/],
  ["an f32 input is an Int32Array", (g) => runOp(g, "matmul", mm, [ab[0]!, { name: "b", data: new Int32Array(4) }], noCache), TypeError, /input 'b' \(f32\) must be a Float32Array: current value is an Int32Array of length 4$/],
  ["problem is null", (g) => runOp(g, "matmul", null, ab, noCache), TypeError, /^'problem' must be an object: current value is null$/],
  ["options is null", (g) => runOp(g, "matmul", mm, ab, null as Loose), TypeError, /^'options' must be an object: current value is null$/],
  ["cacheDir is a number", (g) => runOp(g, "matmul", mm, ab, { cacheDir: 123 } as Loose), TypeError, /^'cacheDir' must be a directory path, null or undefined: current value is 123$/],
  ["gpu is undefined", () => runOp(undefined as Loose, "matmul", mm, ab, noCache), TypeError, /^'gpu' must be a Gpu from openDevice\(\): current value is undefined$/],
];

// deno-fmt-ignore
const loadKernelCases: Case[] = [
  ["gpu is null", () => loadKernel(null as Loose, "matmul", mm, noCache), TypeError, /^'gpu' must be a Gpu/],
  ["op is constructor", (g) => loadKernel(g, "constructor", mm, noCache), RangeError, /^unknown op 'constructor'/],
  ["op is undefined", (g) => loadKernel(g, undefined as Loose, mm, noCache), TypeError, /^'op' must be a string: current value is undefined$/],
  ["options is null", (g) => loadKernel(g, "matmul", mm, null as Loose), TypeError, /^'options' must be an object: current value is null$/],
  ["cacheDir is a number", (g) => loadKernel(g, "matmul", mm, { cacheDir: 123 } as Loose), TypeError, /^'cacheDir' must be a directory path, null or undefined: current value is 123$/],
  ["an option is misspelt", (g) => loadKernel(g, "matmul", mm, { confg: {} } as Loose), RangeError, /^'options' has an unknown field 'confg'/],
  ["config has an unknown parameter", (g) => loadKernel(g, "matmul", mm, { config: { ...defaultMatmulConfig(g), tilem: 4 } }), RangeError, /^'config' has an unknown parameter 'tilem' for matmul/],
  ["lookupTunedConfig: cacheDir is a number", (g) => lookupTunedConfig(g, "matmul", mm, 123 as Loose), TypeError, /^'cacheDir' must be a directory path, null or undefined: current value is 123$/],
  ["lookupTunedConfig: gpu is null", () => lookupTunedConfig(null as Loose, "matmul", mm), TypeError, /^'gpu' must be a Gpu/],
];

for (
  const [op, cases] of [
    ["matmul()", matmulCases],
    ["conv2d()", convCases],
    ["attention()", attentionCases],
    ["runOp()", runOpCases],
    ["loadKernel()", loadKernelCases],
  ] as const
) {
  Deno.test({
    name: `${op} throws one-line errors naming the argument, when given hostile inputs`,
    ignore: !GPU_AVAILABLE,
    async fn(t) {
      const gpu = await testGpu();
      for (const c of cases) {
        await t.step(c[0], () => expectError(gpu, c));
      }
    },
  });
}

Deno.test({
  name: "every op throws 'the GPU device is closed', when called after gpu.close()",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const backend = (Deno.env.get("WGTUNE_TEST_BACKEND") ?? "auto") as "auto" | "deno" | "dawn";
    const gpu = await openDevice({ backend });
    assert.equal(gpu.closed, false);
    // The device works before close().
    assert.deepEqual([...await matmul(gpu, f(4), f(4), mm, noCache)], [2, 2, 2, 2]);
    gpu.close();
    assert.equal(gpu.closed, true);
    gpu.close(); // closing twice is harmless
    const closed = /^the GPU device is closed/;
    const cases: Case[] = [
      ["matmul", (g) => matmul(g, f(4), f(4), mm, noCache), Error, closed],
      ["conv2d", (g) => conv2d(g, f(9), f(2), undefined, conv, noCache), Error, closed],
      ["attention", (g) => attention(g, f(4), f(4), f(4), att, noCache), Error, closed],
      ["runOp", (g) => runOp(g, "matmul", mm, ab, noCache), Error, closed],
      ["loadKernel", (g) => loadKernel(g, "matmul", mm, noCache), Error, closed],
      [
        "loadKernel, with a cache dir",
        (g) => loadKernel(g, "matmul", mm, { cacheDir: `${Deno.cwd()}/no-such-wgtune-cache` }),
        Error,
        closed,
      ],
    ];
    for (const c of cases) await expectError(gpu, c);
  },
});

Deno.test({
  name: "matmul() still accepts every documented optional argument form, when they are valid",
  ignore: !GPU_AVAILABLE,
  async fn() {
    const gpu = await testGpu();
    const a = new Float32Array([1, 2, 3, 4]);
    const b = new Float32Array([5, 6, 7, 8]);
    const expected = [19, 22, 43, 50];
    assert.deepEqual([...await matmul(gpu, a, b, mm, noCache)], expected);
    assert.deepEqual(
      [...await matmul(gpu, a, b, { ...mm, bias: undefined } as Loose, noCache)],
      expected,
    );
    const config = defaultMatmulConfig(gpu);
    assert.deepEqual([...await matmul(gpu, a, b, mm, { config })], expected);
    assert.deepEqual([...await matmul(gpu, a, b, mm, { cacheDir: null, config })], expected);
    const dir = await Deno.makeTempDir({ prefix: "wgtune-ops-test-" });
    try {
      // An empty cache dir: no tuned config, the default is used.
      assert.deepEqual([...await matmul(gpu, a, b, mm, { cacheDir: dir })], expected);
      const withBias = await matmul(gpu, a, b, { ...mm, bias: new Float32Array([1, -100]) }, {
        cacheDir: dir,
        config: undefined,
      } as Loose);
      assert.deepEqual([...withBias], [20, -78, 44, -50]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("runOp() and the ops check input lengths before any GPU work, when a length is wrong", async () => {
  // A Gpu whose device has no methods: any GPU call (cache lookup aside) would throw a TypeError.
  const gpu = { device: {}, caps: DEFAULT_CAPS, closed: false } as Loose;
  // deno-fmt-ignore
  const cases: Case[] = [
    ["runOp", (g) => runOp(g, "matmul", mm, [ab[0]!, { name: "b", data: f(5) }], noCache), RangeError, /input 'b' must have 4 elements: current length is 5/],
    ["matmul", (g) => matmul(g, f(4), f(4), { ...mm, bias: f(1) }, noCache), RangeError, /input 'bias' must have 2 elements: current length is 1/],
    ["conv2d", (g) => conv2d(g, f(9), f(3), undefined, conv, noCache), RangeError, /input 'weight' must have 2 elements: current length is 3/],
    ["attention", (g) => attention(g, f(4), f(4), f(5), att, noCache), RangeError, /input 'v' must have 4 elements: current length is 5/],
    ["runOp, unknown tensor", (g) => runOp(g, "matmul", mm, [...ab, { name: "c", data: f(4) }], noCache), RangeError, /'inputs' has an unknown tensor 'c': expected a, b$/],
  ];
  for (const c of cases) await expectError(gpu, c);
});
