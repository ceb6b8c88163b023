/**
 * WGSL generation for flash-style attention: per workgroup a tile of query rows of one
 * (batch, head); per thread the rows' scaled query vectors and output accumulators as named
 * registers (everything over rows, keys of a block and head-dim chunks is unrolled: dynamically
 * indexed private arrays become per-lane gathers on lavapipe); keys walked in blocks with an
 * online softmax (running max and sum, accumulator rescaled once per block), so the seqQ×seqKV
 * score matrix never exists in memory. K and V addresses are the same for all threads of a
 * workgroup (unless the keys are split across threads), which GPUs and newer Mesa serve as
 * broadcast loads.
 *
 * Masking: a key is excluded when its score (after the additive mask) is at most `-1e30`; the
 * causal mask, keys past seqKV and additive `-inf` all land there. A query row whose keys are all
 * excluded outputs 0 (as ONNX `Attention` does for fully masked rows) instead of NaN. The running
 * max starts at a finite `-3e38`, so no `-inf - -inf` ever happens.
 *
 * Query rows are read, and output rows written, either with unrolled accesses (`ioStage` 0) or
 * by one loop over a private array (`ioStage` 1): which compiles faster depends on the driver
 * (Mesa 25's lavapipe turns each unrolled access with per-thread addresses into per-lane
 * branches; Mesa 22's handles large dynamically indexed private arrays slowly).
 *
 * Sizes, strides, the scale and the causal diagonal are baked into the code as constants.
 *
 * @module
 */
import type { Config, DeviceCaps, KernelProgram } from "../types.ts";
import {
  type AttentionConfig,
  attentionConfigError,
  attentionDispatch,
  attentionQueryTile,
  attentionWorkgroupThreads,
  parseAttentionConfig,
} from "./config.ts";
import { type AttentionProblem, attentionProblemKey } from "./problem.ts";
import { ATTENTION_VERSION } from "./version.ts";

/** Bit pattern of an f32 value, as 8 hex digits (a stable spelling for shader keys). */
function f32Bits(value: number): string {
  return new Uint32Array(new Float32Array([value]).buffer)[0]!.toString(16).padStart(8, "0");
}

/** WGSL spelling of an f32 value: 9 significant digits round-trip every f32 exactly. */
function f32Literal(value: number): string {
  return `${Math.fround(value).toPrecision(9)}f`;
}

/**
 * WGSL of `softcap(s) = c · tanh(s / c)`, with tanh written as `(1 − e^−2|x|) / (1 + e^−2|x|)`
 * with the sign of x: finite for every finite score (a `tanh` built on `exp(2x)` overflows).
 */
function softcapFunction(cap: number): string[] {
  return [
    `const SOFTCAP: f32 = ${f32Literal(cap)};`,
    "fn softcap(s: f32) -> f32 {",
    "  let e = exp(-2.0 * abs(s / SOFTCAP));",
    "  return SOFTCAP * sign(s) * (1.0 - e) / (1.0 + e);",
    "}",
  ];
}

/** Strides of a mask broadcast to `[batch, heads, seqQ, seqKV]`: 0 along broadcast dims. */
function maskStrides(shape: readonly [number, number, number, number]): number[] {
  const strides = [0, 0, 0, 0];
  let stride = 1;
  for (let i = 3; i >= 0; i--) {
    strides[i] = shape[i]! === 1 ? 0 : stride;
    stride *= shape[i]!;
  }
  return strides;
}

interface Ctx {
  readonly p: AttentionProblem;
  readonly c: AttentionConfig;
  /** Vector chunks of a Q/K row and of a V/output row. */
  readonly nc: number;
  readonly ncv: number;
  /** Storage type and compute type of one chunk. */
  readonly st: string;
  readonly ct: string;
  /** Strides of the mask broadcast to [batch, heads, seqQ, seqKV], or null without a mask. */
  readonly strides: number[] | null;
}

function toCompute(ctx: Ctx, expr: string): string {
  return ctx.p.dtype === "f32" ? expr : `${ctx.ct}(${expr})`;
}

function toStorage(ctx: Ctx, expr: string): string {
  return ctx.p.dtype === "f32" ? expr : `${ctx.st}(${expr})`;
}

/** Sum of the lanes of a compute-type value. */
function horizontalSum(ctx: Ctx, expr: string): string {
  return [
    "",
    `${expr}`,
    `${expr}.x + ${expr}.y`,
    "",
    `${expr}.x + ${expr}.y + ${expr}.z + ${expr}.w`,
  ][
    ctx.c.vec
  ]!;
}

/** A scalar broadcast to the compute type (free in SIMD-of-lanes code). */
function splat(ctx: Ctx, scalar: string): string {
  return ctx.c.vec === 1 ? scalar : `${ctx.ct}(${scalar})`;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** `first + Σ a_i·b_i` as a chain of fma calls. */
function fmaChain(terms: Array<[string, string]>, first: string): string {
  return terms.reduce((acc, [a, b]) => `fma(${a}, ${b}, ${acc})`, first);
}

/**
 * One online-softmax step over the `keyBlock` keys starting at global key `jg` (staged: at tile
 * index `jl`). Everything is unrolled: per-row query chunks `q{r}_{c}` and accumulators
 * `acc{r}_{c}` are named registers, never dynamically indexed arrays.
 */
function blockCode(ctx: Ctx, staged: boolean, jg: string, jl: string): string[] {
  const { p, c, nc, ncv, strides } = ctx;
  const R = range(c.rowsPerThread);
  const T = range(c.keyBlock);
  const plus = (base: string, t: number): string => t === 0 ? base : `${base} + ${t}u`;
  const key = (t: number): string => `min(${plus(jg, t)}, ${p.seqKV - 1}u)`;
  const lines: string[] = [];
  for (const t of T) {
    const row = staged ? plus(jl, t) : `kvHead + ${key(t)}`;
    lines.push(`let kr${t} = (${row}) * ${nc}u;`, `let vr${t} = (${row}) * ${ncv}u;`);
  }
  for (const t of T) {
    for (const ch of range(nc)) {
      const load = staged ? `kTile[kr${t} + ${ch}u]` : toCompute(ctx, `k[kr${t} + ${ch}u]`);
      lines.push(`let k${t}_${ch} = ${load};`);
    }
  }
  for (const r of R) {
    for (const t of T) {
      const terms = range(nc).slice(1).map((
        ch,
      ): [string, string] => [`q${r}_${ch}`, `k${t}_${ch}`]);
      lines.push(`let d${r}_${t} = ${fmaChain(terms, `q${r}_0 * k${t}_0`)};`);
      let score = horizontalSum(ctx, `d${r}_${t}`);
      if (p.softcap > 0) score = `softcap(${score})`;
      if (strides) {
        const at = strides[3] === 0 ? `maskRow${r}` : `maskRow${r} + ${key(t)}`;
        score = `${score} + f32(mask[${at}])`;
      }
      lines.push(`let s${r}_${t} = select(NEG, ${score}, ${plus(jg, t)} < limit${r});`);
    }
    const maxExpr = T.reduce((acc, t) => `max(${acc}, s${r}_${t})`, `m${r}`);
    lines.push(`let mx${r} = ${maxExpr};`, `let al${r} = exp(m${r} - mx${r});`);
    for (const t of T) {
      lines.push(`let p${r}_${t} = select(0.0, exp(s${r}_${t} - mx${r}), s${r}_${t} > MASKED);`);
    }
    lines.push(
      `l${r} = l${r} * al${r} + ${T.map((t) => `p${r}_${t}`).join(" + ")};`,
      `m${r} = mx${r};`,
    );
  }
  for (const t of T) {
    for (const ch of range(ncv)) {
      const load = staged ? `vTile[vr${t} + ${ch}u]` : toCompute(ctx, `v[vr${t} + ${ch}u]`);
      lines.push(`let v${t}_${ch} = ${load};`);
    }
  }
  for (const r of R) {
    for (const ch of range(ncv)) {
      const terms = T.map((t): [string, string] => [splat(ctx, `p${r}_${t}`), `v${t}_${ch}`]);
      lines.push(`acc${r}_${ch} = ${fmaChain(terms, `acc${r}_${ch} * al${r}`)};`);
    }
  }
  return lines;
}

function indent(lines: string[], by: string): string[] {
  return lines.map((l) => by + l);
}

function keyLoop(ctx: Ctx): string[] {
  const { p, c, nc, ncv } = ctx;
  const step = c.keyBlock * c.threadsPerRow;
  if (c.kvTile === 0) {
    return [
      `  for (var j0 = part * ${c.keyBlock}u; j0 < kvEnd; j0 += ${step}u) {`,
      ...indent(blockCode(ctx, false, "j0", ""), "    "),
      `  }`,
    ];
  }
  const threads = attentionWorkgroupThreads(c);
  const kt = c.kvTile;
  return [
    `  for (var t0 = 0u; t0 < kvEnd; t0 += ${kt}u) {`,
    `    workgroupBarrier();`,
    `    for (var i = lid; i < ${kt * nc}u; i += ${threads}u) {`,
    `      let j = min(t0 + i / ${nc}u, ${p.seqKV - 1}u);`,
    `      kTile[i] = ${toCompute(ctx, `k[(kvHead + j) * ${nc}u + i % ${nc}u]`)};`,
    `    }`,
    `    for (var i = lid; i < ${kt * ncv}u; i += ${threads}u) {`,
    `      let j = min(t0 + i / ${ncv}u, ${p.seqKV - 1}u);`,
    `      vTile[i] = ${toCompute(ctx, `v[(kvHead + j) * ${ncv}u + i % ${ncv}u]`)};`,
    `    }`,
    `    workgroupBarrier();`,
    `    for (var jb = part * ${c.keyBlock}u; jb < ${kt}u && t0 + jb < kvEnd; jb += ${step}u) {`,
    `      let jg = t0 + jb;`,
    ...indent(blockCode(ctx, true, "jg", "jb"), "      "),
    `    }`,
    `  }`,
  ];
}

function epilogue(ctx: Ctx): string[] {
  const { p, c, ncv } = ctx;
  const R = range(c.rowsPerThread);
  const S = c.threadsPerRow;
  const lines: string[] = [];
  if (S === 1 && c.ioStage === 1) {
    // Normalized rows go to a private array with constant indexes, then one loop stores them.
    lines.push(`  var outStage: array<${ctx.ct}, ${c.rowsPerThread * ncv}>;`);
    for (const r of R) {
      lines.push(`  let inv${r} = select(0.0, 1.0 / l${r}, l${r} > 0.0);`);
      for (const ch of range(ncv)) {
        lines.push(`  outStage[${r * ncv + ch}] = acc${r}_${ch} * ${splat(ctx, `inv${r}`)};`);
      }
    }
    lines.push(
      `  for (var i = 0u; i < ${c.rowsPerThread * ncv}u; i++) {`,
      `    let row = rowBase + lane + (i / ${ncv}u) * ${c.rowThreads}u;`,
      `    if (row < ${p.seqQ}u) {`,
      `      output[(qHead + row) * ${ncv}u + i % ${ncv}u] = ${toStorage(ctx, "outStage[i]")};`,
      `    }`,
      `  }`,
    );
    return lines;
  }
  if (S === 1) {
    for (const r of R) {
      lines.push(
        `  if (row${r} < ${p.seqQ}u) {`,
        `    let inv = select(0.0, 1.0 / l${r}, l${r} > 0.0);`,
        `    let o = (qHead + row${r}) * ${ncv}u;`,
        ...range(ncv).map((ch) =>
          `    output[o + ${ch}u] = ${toStorage(ctx, `acc${r}_${ch} * inv`)};`
        ),
        `  }`,
      );
    }
    return lines;
  }
  const W = c.rowThreads;
  for (const r of R) {
    lines.push(
      `  {`,
      `    let slot = (${r * W}u + lane) * ${S}u + part;`,
      `    partM[slot] = m${r};`,
      `    partL[slot] = l${r};`,
      ...range(ncv).map((ch) => `    partAcc[slot * ${ncv}u + ${ch}u] = acc${r}_${ch};`),
      `  }`,
    );
  }
  lines.push(
    `  workgroupBarrier();`,
    `  // Combine the ${S} partial results of each row: rescale to the largest running max.`,
    `  for (var r = 0u; r < ${c.rowsPerThread}u; r++) {`,
    `    let row = rowBase + lane + r * ${W}u;`,
    `    if (row < ${p.seqQ}u) {`,
    `      let base = (r * ${W}u + lane) * ${S}u;`,
    `      var mMax = NEG;`,
    `      for (var i = 0u; i < ${S}u; i++) { mMax = max(mMax, partM[base + i]); }`,
    `      var lSum = 0.0;`,
    `      for (var i = 0u; i < ${S}u; i++) { lSum += partL[base + i] * exp(partM[base + i] - mMax); }`,
    `      let inv = select(0.0, 1.0 / lSum, lSum > 0.0);`,
    `      for (var ch = part; ch < ${ncv}u; ch += ${S}u) {`,
    `        var sum = ${ctx.ct}(0.0);`,
    `        for (var i = 0u; i < ${S}u; i++) {`,
    `          let w = exp(partM[base + i] - mMax);`,
    `          sum = fma(partAcc[(base + i) * ${ncv}u + ch], ${splat(ctx, "w")}, sum);`,
    `        }`,
    `        output[(qHead + row) * ${ncv}u + ch] = ${toStorage(ctx, "sum * inv")};`,
    `      }`,
    `    }`,
    `  }`,
  );
  return lines;
}

/**
 * Generates the attention program for a problem and config. Bindings, in order: `q`, `k`, `v`,
 * then `mask` when the problem has one, then the output `output` (read_write). Throws a
 * `RangeError` for a config that {@linkcode attentionConfigError} rejects.
 *
 * @example Generate the WGSL of one config
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { generateAttention } from "./codegen.ts";
 * import { normalizeAttentionProblem } from "./problem.ts";
 * const problem = normalizeAttentionProblem({ batch: 1, heads: 2, seqQ: 7, seqKV: 13, headDim: 8 });
 * const program = generateAttention(problem, {
 *   rowThreads: 8, rowsPerThread: 1, threadsPerRow: 1, keyBlock: 4, vec: 4, kvTile: 0,
 * }, DEFAULT_CAPS);
 * console.log(program.bindings.map((b) => b.name)); // ["q", "k", "v", "output"]
 * ```
 */
export function generateAttention(
  problem: AttentionProblem,
  config: Config,
  caps: DeviceCaps,
): KernelProgram {
  const c = parseAttentionConfig(config);
  const error = attentionConfigError(problem, c, caps);
  if (error) throw new RangeError(`attention config rejected: ${error}`);
  const p = problem;
  const elem = p.dtype;
  const vecType = (scalar: string): string => c.vec === 1 ? scalar : `vec${c.vec}<${scalar}>`;
  const ctx: Ctx = {
    p,
    c,
    nc: p.headDim / c.vec,
    ncv: p.headDimV / c.vec,
    st: vecType(elem),
    ct: vecType("f32"),
    strides: p.maskShape ? maskStrides(p.maskShape) : null,
  };
  const { nc, ncv, st, ct, strides } = ctx;
  const R = range(c.rowsPerThread);
  const S = c.threadsPerRow;
  const W = c.rowThreads;
  const qTile = attentionQueryTile(c);
  const threads = attentionWorkgroupThreads(c);
  const group = p.heads / p.kvHeads;
  // Offsets past these bounds behave the same; clamping keeps i32 sums small.
  const offset = Math.min(Math.max(p.causalOffset, -(p.seqQ + qTile + 1)), p.seqKV);
  const bindings: KernelProgram["bindings"][number][] = [
    { name: "q", dtype: elem, elements: p.batch * p.heads * p.seqQ * p.headDim, access: "read" },
    { name: "k", dtype: elem, elements: p.batch * p.kvHeads * p.seqKV * p.headDim, access: "read" },
    {
      name: "v",
      dtype: elem,
      elements: p.batch * p.kvHeads * p.seqKV * p.headDimV,
      access: "read",
    },
  ];
  if (p.maskShape) {
    bindings.push({
      name: "mask",
      dtype: elem,
      elements: p.maskShape.reduce((a, b) => a * b, 1),
      access: "read",
    });
  }
  bindings.push({
    name: "output",
    dtype: elem,
    elements: p.batch * p.heads * p.seqQ * p.headDimV,
    access: "read_write",
  });
  const decl = bindings.map((b, i) => {
    const type = b.name === "mask" ? elem : st;
    const access = b.access === "read" ? "read" : "read_write";
    return `@group(0) @binding(${i}) var<storage, ${access}> ${b.name}: array<${type}>;`;
  });
  const shared: string[] = [];
  if (c.kvTile > 0) {
    shared.push(`var<workgroup> kTile: array<${ct}, ${c.kvTile * nc}>;`);
    shared.push(`var<workgroup> vTile: array<${ct}, ${c.kvTile * ncv}>;`);
  }
  if (S > 1) {
    shared.push(`var<workgroup> partM: array<f32, ${qTile * S}>;`);
    shared.push(`var<workgroup> partL: array<f32, ${qTile * S}>;`);
    shared.push(`var<workgroup> partAcc: array<${ct}, ${qTile * S * ncv}>;`);
  }
  const body: string[] = [
    `  let lane = ${S === 1 ? "lid" : `lid % ${W}u`};`,
    `  let part = ${S === 1 ? "0u" : `lid / ${W}u`};`,
    `  let head = wid.y;`,
    `  let batch = wid.z;`,
    `  let rowBase = wid.x * ${qTile}u;`,
    `  let qHead = (batch * ${p.heads}u + head) * ${p.seqQ}u;`,
    `  let kvHead = (batch * ${p.kvHeads}u + head / ${group}u) * ${p.seqKV}u;`,
  ];
  if (c.ioStage === 1) {
    // One load loop into a private array; the rows are then taken out with constant indexes.
    body.push(
      `  var qStage: array<${ct}, ${c.rowsPerThread * nc}>;`,
      `  for (var i = 0u; i < ${c.rowsPerThread * nc}u; i++) {`,
      `    let row = min(rowBase + lane + (i / ${nc}u) * ${W}u, ${p.seqQ - 1}u);`,
      `    qStage[i] = ${toCompute(ctx, `q[(qHead + row) * ${nc}u + i % ${nc}u]`)} * SCALE;`,
      `  }`,
    );
  }
  for (const r of R) {
    const qLoad = (ch: number): string =>
      c.ioStage === 1
        ? `qStage[${r * nc + ch}]`
        : `${toCompute(ctx, `q[qRow${r} + ${ch}u]`)} * SCALE`;
    body.push(
      `  let row${r} = rowBase + lane + ${r * W}u;`,
      ...(c.ioStage === 1
        ? []
        : [`  let qRow${r} = (qHead + min(row${r}, ${p.seqQ - 1}u)) * ${nc}u;`]),
      ...range(nc).map((ch) => `  let q${r}_${ch} = ${qLoad(ch)};`),
      ...range(ncv).map((ch) => `  var acc${r}_${ch} = ${ct}(0.0);`),
      `  var m${r}: f32 = NEG;`,
      `  var l${r}: f32 = 0.0;`,
    );
    if (strides) {
      body.push(
        `  let maskRow${r} = batch * ${strides[0]}u + head * ${strides[1]}u + ` +
          `min(row${r}, ${p.seqQ - 1}u) * ${strides[2]}u;`,
      );
    }
    body.push(
      p.causal
        ? `  let limit${r} = u32(clamp(i32(row${r}) + ${offset + 1}, 0, ${p.seqKV}));`
        : `  let limit${r} = ${p.seqKV}u;`,
    );
  }
  if (p.causal) {
    body.push(
      `  let lastRow = min(rowBase + ${qTile}u, ${p.seqQ}u) - 1u;`,
      `  let kvEnd = u32(clamp(i32(lastRow) + ${offset + 1}, 0, ${p.seqKV}));`,
    );
  } else {
    body.push(`  let kvEnd = ${p.seqKV}u;`);
  }
  body.push(...keyLoop(ctx), ...epilogue(ctx));
  const code = [
    ...(elem === "f16" ? ["enable f16;", ""] : []),
    ...decl,
    "",
    "// Running max before any key: finite, so that NEG - NEG is 0, never -inf - -inf.",
    "const NEG: f32 = -3.0e38;",
    "// Scores at or below this are excluded keys (additive -inf, causal, past seqKV).",
    "const MASKED: f32 = -1.0e30;",
    `const SCALE: f32 = ${f32Literal(p.scale)};`,
    ...(p.softcap > 0 ? softcapFunction(p.softcap) : []),
    ...shared,
    "",
    `@compute @workgroup_size(${threads})`,
    "fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {",
    ...body,
    "}",
    "",
  ].join("\n");
  const configTag =
    `w${W}_r${c.rowsPerThread}_s${S}_b${c.keyBlock}_v${c.vec}_t${c.kvTile}_i${c.ioStage}`;
  return {
    code,
    entryPoint: "main",
    workgroupSize: [threads, 1, 1],
    dispatch: attentionDispatch(p, c),
    bindings,
    shaderKey: `attention_v${ATTENTION_VERSION}_${attentionProblemKey(p)}_` +
      `scale${f32Bits(p.scale)}_${
        p.softcap > 0 ? `softcap${f32Bits(p.softcap)}_` : ""
      }${configTag}`,
  };
}
