import assert from "node:assert/strict";
import { DEFAULT_CAPS } from "../types.ts";
import {
  type AttentionConfig,
  attentionConfigError,
  attentionConfigUseful,
  attentionDispatch,
  attentionProblemError,
  attentionWorkgroupBytes,
  parseAttentionConfig,
} from "./config.ts";
import { normalizeAttentionProblem } from "./problem.ts";

const config: AttentionConfig = {
  rowThreads: 8,
  rowsPerThread: 4,
  threadsPerRow: 1,
  keyBlock: 2,
  vec: 4,
  kvTile: 0,
  ioStage: 0,
};
const problem = normalizeAttentionProblem({
  batch: 2,
  heads: 4,
  seqQ: 100,
  seqKV: 64,
  headDim: 64,
});

Deno.test("parseAttentionConfig() reads a config and rejects missing or unlisted values", () => {
  assert.deepEqual(parseAttentionConfig({ ...config, extra: "ignored" }), config);
  assert.throws(
    () => parseAttentionConfig({ ...config, vec: 3 }),
    (e: unknown) =>
      e instanceof RangeError && /'vec' must be one of 1, 2, 4: current value is 3/.test(e.message),
  );
  const { keyBlock: _, ...missing } = config;
  assert.throws(
    () => parseAttentionConfig(missing),
    (e: unknown) =>
      e instanceof TypeError &&
      /'keyBlock' must be a number: current value is undefined/.test(e.message),
  );
  assert.throws(() => parseAttentionConfig({ ...config, kvTile: "0" }), TypeError);
});

Deno.test("attentionDispatch() and attentionWorkgroupBytes() follow the tile sizes", () => {
  assert.deepEqual(attentionDispatch(problem, config), [4, 4, 2]);
  assert.equal(attentionWorkgroupBytes(problem, config), 0);
  assert.equal(attentionWorkgroupBytes(problem, { ...config, kvTile: 16 }), 16 * 128 * 4);
  assert.equal(
    attentionWorkgroupBytes(problem, { ...config, threadsPerRow: 2 }),
    8 * 4 * 2 * (64 + 2) * 4,
  );
});

Deno.test("attentionConfigError() accepts a legal config and names what breaks an illegal one", () => {
  assert.equal(attentionConfigError(problem, config, DEFAULT_CAPS), undefined);
  const cases: Array<[Partial<AttentionConfig>, RegExp, object?]> = [
    [{ vec: 4 }, /'vec' must divide headDim \(6\) and headDimV \(6\): current value is 4/, {
      headDim: 6,
    }],
    [{ vec: 2 }, /'vec' must divide headDim \(64\) and headDimV \(3\)/, { headDimV: 3 }],
    [
      { rowsPerThread: 64, keyBlock: 2 },
      /rowsPerThread·keyBlock must be at most 64: current value is 64·2/,
    ],
    [{ rowsPerThread: 32, keyBlock: 2, vec: 1 }, /code size/],
    [{ rowsPerThread: 64, keyBlock: 1 }, /live registers\): current value is 8192/],
    [
      { kvTile: 16, keyBlock: 16, threadsPerRow: 2 },
      /'kvTile' must be 0 or at least keyBlock·threadsPerRow \(32\)/,
    ],
    [{ rowThreads: 256, threadsPerRow: 2, rowsPerThread: 1 }, /512 invocations/],
    [{ kvTile: 128 }, /workgroup memory 65536 bytes exceeds the device's 16384/],
  ];
  for (const [change, message, problemChange] of cases) {
    const p = normalizeAttentionProblem({
      batch: 2,
      heads: 4,
      seqQ: 100,
      seqKV: 64,
      headDim: 64,
      ...problemChange,
    });
    const error = attentionConfigError(p, { ...config, ...change }, DEFAULT_CAPS);
    assert.match(error ?? "accepted", message, JSON.stringify(change));
  }
  const long = normalizeAttentionProblem({ batch: 1, heads: 1, seqQ: 70000, seqKV: 1, headDim: 4 });
  assert.match(
    attentionConfigError(long, { ...config, rowThreads: 1, rowsPerThread: 1 }, DEFAULT_CAPS) ?? "",
    /dispatch x of 70000 workgroups/,
  );
});

Deno.test("attentionProblemError() rejects f16 without shader-f16 and dims beyond device limits", () => {
  const f16 = normalizeAttentionProblem({
    batch: 1,
    heads: 1,
    seqQ: 4,
    seqKV: 4,
    headDim: 8,
    dtype: "f16",
  });
  assert.match(attentionProblemError(f16, DEFAULT_CAPS) ?? "", /shader-f16/);
  assert.equal(attentionProblemError(f16, { ...DEFAULT_CAPS, shaderF16: true }), undefined);
  const heads = normalizeAttentionProblem({
    batch: 1,
    heads: 70000,
    seqQ: 1,
    seqKV: 1,
    headDim: 1,
  });
  assert.match(
    attentionProblemError(heads, DEFAULT_CAPS) ?? "",
    /'heads' must be at most .* \(65535\): current value is 70000/,
  );
  const big = normalizeAttentionProblem({
    batch: 64,
    heads: 64,
    seqQ: 1024,
    seqKV: 1024,
    headDim: 64,
  });
  assert.match(attentionProblemError(big, DEFAULT_CAPS) ?? "", /buffer 'q' of .* exceeds/);
  const masked = normalizeAttentionProblem({
    batch: 1,
    heads: 1,
    seqQ: 4,
    seqKV: 4,
    headDim: 8,
    mask: "2d",
  });
  assert.match(
    attentionProblemError(masked, { ...DEFAULT_CAPS, maxStorageBuffersPerShaderStage: 4 }) ?? "",
    /binds 5 storage buffers/,
  );
});

Deno.test("attentionConfigUseful() drops tiles larger than the problem, when seqQ or seqKV is short", () => {
  const decode = normalizeAttentionProblem({ batch: 1, heads: 1, seqQ: 1, seqKV: 6, headDim: 8 });
  const small = { ...config, rowThreads: 1, rowsPerThread: 1 };
  assert.equal(attentionConfigUseful(decode, small), true);
  assert.equal(attentionConfigUseful(decode, { ...small, rowThreads: 2 }), false);
  assert.equal(attentionConfigUseful(decode, { ...small, keyBlock: 8 }), true);
  assert.equal(attentionConfigUseful(decode, { ...small, keyBlock: 8, threadsPerRow: 2 }), false);
  assert.equal(attentionConfigUseful(decode, { ...small, kvTile: 16 }), true);
  assert.equal(attentionConfigUseful(decode, { ...small, kvTile: 32 }), false);
});
