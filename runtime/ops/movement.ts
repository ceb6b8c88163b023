/**
 * Data-movement ops as WGSL programs: Transpose, Concat, Split, Slice, Gather, GatherElements,
 * Pad, Tile, DepthToSpace and SpaceToDepth (Expand is a broadcast copy among the elementwise
 * ops). Each output element is one invocation that computes where its value comes from with the
 * dims baked into the shader; every op works on f32 and i32 tensors alike and copies values bit
 * for bit.
 *
 * @module
 */
import type { KernelProgram } from "../../core/types.ts";
import { intAttr, intsAttr, stringAttr } from "./attributes.ts";
import {
  boundInput,
  boundOutput,
  type BoundTensor,
  constantInput,
  decompose,
  elementProgram,
  expectDims,
  inputInfo,
  literal,
  MAX_TABLE_WORDS,
  normalizeAxis,
  offsetExpr,
  outputInfo,
  sizeOf,
  stridesOf,
} from "./_indexing.ts";
import { type OpGenerator, type OpNode, type OpPlan, UnsupportedOpError } from "./types.ts";

const plan = (programs: KernelProgram[]): OpPlan => ({ programs, scratch: [] });

function dimsKey(dims: readonly number[]): string {
  return dims.join("x");
}

/** A constant input's values, UnsupportedOpError when it is only known at run time. */
function requireConstant(node: OpNode, i: number, what: string): readonly number[] | undefined {
  const c = constantInput(node, i);
  if (c === null) throw new UnsupportedOpError(node.opType, `a run-time '${what}' input`);
  return c;
}

/**
 * Transpose with `perm` (default: reversed axes), any rank.
 *
 * @example
 * ```ts
 * import { transposeOp } from "./movement.ts";
 * const plan = transposeOp.plan({
 *   opType: "Transpose", attributes: {}, constants: [undefined],
 *   inputs: [{ dims: [2, 3], dtype: "f32" }], outputs: [{ dims: [3, 2], dtype: "f32" }],
 * });
 * console.log(plan.programs.length); // 1
 * ```
 */
export const transposeOp: OpGenerator = {
  opTypes: ["Transpose"],
  plan(node) {
    const x = inputInfo(node, 0);
    const rank = x.dims.length;
    const perm = intsAttr(node.attributes, "perm", undefined) ??
      Array.from({ length: rank }, (_, k) => rank - 1 - k);
    if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, k) => p !== k)) {
      throw new RangeError(`'perm' must permute ${rank} axes: current value is [${perm}]`);
    }
    const outDims = perm.map((p) => x.dims[p]!);
    expectDims("Transpose output", outputInfo(node, 0).dims, outDims);
    const inStrides = stridesOf(x.dims);
    const src = offsetExpr(outDims.map((_, k) => `o${k}`), perm.map((p) => inStrides[p]!));
    return plan([elementProgram({
      inputs: [boundInput(node, 0)],
      outputs: [boundOutput(node, 0)],
      count: sizeOf(outDims),
      body: `${decompose("i", outDims, "o")}\n  out0[i] = in0[${src}];`,
      shaderKey: `Transpose:${x.dtype}:${dimsKey(x.dims)}:${perm}`,
    })]);
  },
};

/** The program copying a block `[outer, len*inner]` between tensors along an axis. */
function axisCopy(
  from: BoundTensor,
  to: BoundTensor,
  outer: number,
  inner: number,
  len: number,
  total: number,
  offset: number,
  intoTarget: boolean,
  key: string,
): KernelProgram {
  const block = len * inner;
  const big = `(i / ${block}u) * ${total * inner}u + ${offset * inner}u + i % ${block}u`;
  const body = intoTarget
    ? `${to.name}[${big}] = ${from.name}[i];`
    : `${to.name}[i] = ${from.name}[${big}];`;
  return elementProgram({
    inputs: [from],
    outputs: [to],
    count: outer * block,
    body,
    shaderKey:
      `${key}:${from.name}>${to.name}:${from.dtype}:${outer}:${inner}:${len}:${total}:${offset}`,
  });
}

/**
 * Concat of any number of inputs along `axis` (negative counts from the end): one copy program
 * per non-empty input, so the number of inputs is not limited by the storage-buffer count.
 *
 * @example
 * ```ts
 * import { concatOp } from "./movement.ts";
 * const plan = concatOp.plan({
 *   opType: "Concat", constants: [undefined, undefined],
 *   attributes: { axis: { name: "axis", docString: "", type: "int", value: -1 } },
 *   inputs: [{ dims: [2, 3], dtype: "f32" }, { dims: [2, 1], dtype: "f32" }],
 *   outputs: [{ dims: [2, 4], dtype: "f32" }],
 * });
 * console.log(plan.programs.length); // 2
 * ```
 */
export const concatOp: OpGenerator = {
  opTypes: ["Concat"],
  plan(node) {
    const out = outputInfo(node, 0);
    const rank = out.dims.length;
    const axis = normalizeAxis(intAttr(node.attributes, "axis", 0), rank, "axis");
    const outer = sizeOf(out.dims.slice(0, axis));
    const inner = sizeOf(out.dims.slice(axis + 1));
    const total = out.dims[axis]!;
    const programs: KernelProgram[] = [];
    let offset = 0;
    node.inputs.forEach((info, k) => {
      if (!info) throw new RangeError(`Concat: input ${k} is missing`);
      const expected = out.dims.map((d, j) => (j === axis ? info.dims[axis]! : d));
      expectDims(`Concat input ${k}`, info.dims, expected);
      const len = info.dims[axis]!;
      if (len > 0 && outer * inner > 0) {
        programs.push(
          axisCopy(
            boundInput(node, k),
            boundOutput(node, 0),
            outer,
            inner,
            len,
            total,
            offset,
            true,
            "Concat",
          ),
        );
      }
      offset += len;
    });
    if (offset !== total) {
      throw new RangeError(
        `Concat inputs must sum to ${total} along axis ${axis}: they sum to ${offset}`,
      );
    }
    return plan(programs);
  },
};

/**
 * Split along `axis` into the outputs' extents (from the `split` input, `num_outputs` or equal
 * parts, as shape inference resolved them): one copy program per non-empty output.
 *
 * @example
 * ```ts
 * import { splitOp } from "./movement.ts";
 * const plan = splitOp.plan({
 *   opType: "Split", attributes: {}, constants: [undefined],
 *   inputs: [{ dims: [4, 2], dtype: "i32" }],
 *   outputs: [{ dims: [1, 2], dtype: "i32" }, { dims: [3, 2], dtype: "i32" }],
 * });
 * console.log(plan.programs.length); // 2
 * ```
 */
export const splitOp: OpGenerator = {
  opTypes: ["Split"],
  plan(node) {
    const x = inputInfo(node, 0);
    const axis = normalizeAxis(intAttr(node.attributes, "axis", 0), x.dims.length, "axis");
    // The extents come from the outputs; a constant `split` is only checked against them.
    const split = node.constants[1];
    const outer = sizeOf(x.dims.slice(0, axis));
    const inner = sizeOf(x.dims.slice(axis + 1));
    const total = x.dims[axis]!;
    const programs: KernelProgram[] = [];
    let offset = 0;
    node.outputs.forEach((info, k) => {
      const len = info.dims[axis] ?? -1;
      if (split && split[k] !== len) {
        throw new RangeError(
          `Split output ${k} must have ${split[k]} along axis ${axis}: it has ${len}`,
        );
      }
      expectDims(`Split output ${k}`, info.dims, x.dims.map((d, j) => (j === axis ? len : d)));
      if (len > 0 && outer * inner > 0) {
        programs.push(
          axisCopy(
            boundInput(node, 0),
            boundOutput(node, k),
            outer,
            inner,
            len,
            total,
            offset,
            false,
            "Split",
          ),
        );
      }
      offset += len;
    });
    if (offset !== total) {
      throw new RangeError(
        `Split outputs must sum to ${total} along axis ${axis}: they sum to ${offset}`,
      );
    }
    return plan(programs);
  },
};

/**
 * Start, step and extent per axis of a Slice, with ONNX's clamping (out-of-range and INT64-extreme
 * starts and ends clamp to the axis; negative steps walk backwards).
 *
 * @example
 * ```ts
 * import { sliceRanges } from "./movement.ts";
 * console.log(sliceRanges([5], [-1], [-9e18], [0], [-2])); // [{ start: 4, step: -2, extent: 3 }]
 * ```
 */
export function sliceRanges(
  dims: readonly number[],
  starts: readonly number[],
  ends: readonly number[],
  axes: readonly number[] | undefined,
  steps: readonly number[] | undefined,
): { start: number; step: number; extent: number }[] {
  const ranges = dims.map((d) => ({ start: 0, step: 1, extent: d }));
  if (starts.length !== ends.length) {
    throw new RangeError(`Slice 'ends' must have ${starts.length} values: it has ${ends.length}`);
  }
  const ax = axes ?? starts.map((_, k) => k);
  const seen = new Set<number>();
  starts.forEach((s0, k) => {
    const a = normalizeAxis(ax[k] ?? k, dims.length, "axes");
    if (seen.has(a)) throw new RangeError(`Slice 'axes' must be unique: current value is [${ax}]`);
    seen.add(a);
    const d = dims[a]!;
    const step = steps?.[k] ?? 1;
    if (step === 0) {
      throw new RangeError(`Slice 'steps' must not be 0: current value is [${steps}]`);
    }
    let start = s0 < 0 ? s0 + d : s0;
    let end = ends[k]! < 0 ? ends[k]! + d : ends[k]!;
    if (step > 0) {
      start = Math.min(Math.max(start, 0), d);
      end = Math.min(Math.max(end, 0), d);
    } else {
      start = Math.min(Math.max(start, 0), d - 1);
      end = Math.min(Math.max(end, -1), d - 1);
    }
    const extent = Math.max(0, Math.ceil((end - start) / step));
    ranges[a] = { start: extent > 0 ? start : 0, step, extent };
  });
  return ranges;
}

/**
 * Slice with constant `starts`, `ends`, `axes` and `steps` inputs (a run-time one throws
 * UnsupportedOpError).
 *
 * @example
 * ```ts
 * import { sliceOp } from "./movement.ts";
 * const plan = sliceOp.plan({
 *   opType: "Slice", attributes: {}, constants: [undefined, [1], [3]],
 *   inputs: [{ dims: [4], dtype: "f32" }, { dims: [1], dtype: "i32" }, { dims: [1], dtype: "i32" }],
 *   outputs: [{ dims: [2], dtype: "f32" }],
 * });
 * console.log(plan.programs.length); // 1
 * ```
 */
export const sliceOp: OpGenerator = {
  opTypes: ["Slice"],
  plan(node) {
    const x = inputInfo(node, 0);
    const starts = requireConstant(node, 1, "starts");
    const ends = requireConstant(node, 2, "ends");
    if (!starts || !ends) throw new RangeError("Slice: inputs 'starts' and 'ends' are required");
    const ranges = sliceRanges(
      x.dims,
      starts,
      ends,
      requireConstant(node, 3, "axes"),
      requireConstant(node, 4, "steps"),
    );
    const outDims = ranges.map((r) => r.extent);
    expectDims("Slice output", outputInfo(node, 0).dims, outDims);
    const strides = stridesOf(x.dims);
    const base = ranges.reduce((acc, r, k) => acc + r.start * strides[k]!, 0);
    const src = offsetExpr(
      outDims.map((_, k) => `o${k}`),
      ranges.map((r, k) => r.step * strides[k]!),
    );
    return plan([elementProgram({
      inputs: [boundInput(node, 0)],
      outputs: [boundOutput(node, 0)],
      count: sizeOf(outDims),
      body: `${decompose("i", outDims, "o")}\n  out0[i] = in0[${base} + ${src}];`,
      shaderKey: `Slice:${x.dtype}:${dimsKey(x.dims)}:${
        ranges.map((r) => `${r.start},${r.step},${r.extent}`).join(";")
      }`,
    })]);
  },
};

/**
 * Where an index tensor comes from: a constant normalized on the host and put in the uniform
 * table, or input `i` read at run time (negative values wrapped by `extent` in the shader).
 */
function indexSource(node: OpNode, i: number, extent: number, count: number) {
  const c = node.constants[i];
  if (c && c.length <= MAX_TABLE_WORDS) {
    const table = Int32Array.from(c, (v) => {
      const w = v < 0 ? v + extent : v;
      if (w < 0 || w >= extent) {
        throw new RangeError(
          `${node.opType} indices must be in [${-extent}, ${extent - 1}]: found ${v}`,
        );
      }
      return w;
    });
    return {
      inputs: [] as BoundTensor[],
      table,
      read: (k: string) => `tab(${k})`,
      key: `c${table.length}`,
    };
  }
  const bound = boundInput(node, i);
  if (bound.dtype !== "i32") throw new RangeError(`${node.opType}: indices must be integers`);
  if (bound.elements !== count) throw new RangeError(`${node.opType}: indices size mismatch`);
  return {
    inputs: [bound],
    table: undefined,
    read: (k: string) => `wrapIndex(${bound.name}[${k}])`,
    key: "rt",
  };
}

function wrapDecl(extent: number): string {
  return `fn wrapIndex(v: i32) -> i32 { return clamp(select(v, v + ${extent}, v < 0), 0, ${
    extent - 1
  }); }`;
}

/**
 * Gather along `axis` with constant or run-time integer indices (negative ones count from the end).
 *
 * @example
 * ```ts
 * import { gatherOp } from "./movement.ts";
 * const plan = gatherOp.plan({
 *   opType: "Gather", attributes: {}, constants: [undefined, [2, -1]],
 *   inputs: [{ dims: [3, 2], dtype: "f32" }, { dims: [2], dtype: "i32" }],
 *   outputs: [{ dims: [2, 2], dtype: "f32" }],
 * });
 * console.log(plan.programs[0]!.uniforms !== undefined); // true
 * ```
 */
export const gatherOp: OpGenerator = {
  opTypes: ["Gather"],
  plan(node) {
    const x = inputInfo(node, 0);
    const q = inputInfo(node, 1);
    const axis = normalizeAxis(intAttr(node.attributes, "axis", 0), x.dims.length, "axis");
    const extent = x.dims[axis]!;
    const outDims = [...x.dims.slice(0, axis), ...q.dims, ...x.dims.slice(axis + 1)];
    expectDims("Gather output", outputInfo(node, 0).dims, outDims);
    const inner = sizeOf(x.dims.slice(axis + 1));
    const nq = sizeOf(q.dims);
    const count = sizeOf(outDims);
    if (count > 0 && extent === 0) throw new RangeError("Gather: indices into an empty axis");
    const idx = indexSource(node, 1, extent, nq);
    const body = `let outer = i / ${nq * inner}u;
  let qi = i32((i / ${inner}u) % ${nq}u);
  let idx = ${idx.read("qi")};
  out0[i] = in0[i32(outer) * ${extent * inner} + idx * ${inner} + i32(i % ${inner}u)];`;
    const spec = {
      inputs: [boundInput(node, 0), ...idx.inputs],
      outputs: [boundOutput(node, 0)],
      count,
      body,
      decls: wrapDecl(extent),
      shaderKey: `Gather:${x.dtype}:${dimsKey(x.dims)}:${dimsKey(q.dims)}:${axis}:${idx.key}`,
    };
    return plan([elementProgram(idx.table ? { ...spec, table: idx.table } : spec)]);
  },
};

/**
 * GatherElements along `axis` with constant or run-time integer indices.
 *
 * @example
 * ```ts
 * import { gatherElementsOp } from "./movement.ts";
 * const plan = gatherElementsOp.plan({
 *   opType: "GatherElements", attributes: {}, constants: [undefined, undefined],
 *   inputs: [{ dims: [3, 2], dtype: "f32" }, { dims: [1, 2], dtype: "i32" }],
 *   outputs: [{ dims: [1, 2], dtype: "f32" }],
 * });
 * console.log(plan.programs[0]!.bindings.length); // 3
 * ```
 */
export const gatherElementsOp: OpGenerator = {
  opTypes: ["GatherElements"],
  plan(node) {
    const x = inputInfo(node, 0);
    const q = inputInfo(node, 1);
    const rank = x.dims.length;
    const axis = normalizeAxis(intAttr(node.attributes, "axis", 0), rank, "axis");
    if (q.dims.length !== rank) {
      throw new RangeError("GatherElements: indices rank must match data");
    }
    expectDims("GatherElements output", outputInfo(node, 0).dims, q.dims);
    const extent = x.dims[axis]!;
    const count = sizeOf(q.dims);
    const idx = indexSource(node, 1, extent, count);
    const strides = stridesOf(x.dims);
    const coords = q.dims.map((_, k) => (k === axis ? "idx" : `o${k}`));
    const body = `${decompose("i", q.dims, "o")}
  let idx = ${idx.read("i32(i)")};
  out0[i] = in0[${offsetExpr(coords, strides)}];`;
    const spec = {
      inputs: [boundInput(node, 0), ...idx.inputs],
      outputs: [boundOutput(node, 0)],
      count,
      body,
      decls: wrapDecl(extent),
      shaderKey: `GatherElements:${x.dtype}:${dimsKey(x.dims)}:${
        dimsKey(q.dims)
      }:${axis}:${idx.key}`,
    };
    return plan([elementProgram(idx.table ? { ...spec, table: idx.table } : spec)]);
  },
};

/** Per-axis WGSL mapping of a padded coordinate `c` back into `[0, n)` for a Pad mode. */
function padMap(mode: string, c: string, n: number): string {
  switch (mode) {
    case "edge":
      return `clamp(${c}, 0, ${n - 1})`;
    case "wrap":
      return `(((${c}) % ${n}) + ${n}) % ${n}`;
    case "reflect": {
      if (n === 1) return "0";
      const p = 2 * (n - 1);
      return `reflectIndex(${c}, ${n}, ${p})`;
    }
    default:
      return c;
  }
}

/**
 * Pad in modes `constant`, `reflect`, `edge` and `wrap`, with constant `pads` and `axes` inputs
 * (negative pads crop) and a constant or run-time `constant_value`.
 *
 * @example
 * ```ts
 * import { padOp } from "./movement.ts";
 * const plan = padOp.plan({
 *   opType: "Pad", attributes: {}, constants: [undefined, [1, 0]],
 *   inputs: [{ dims: [3], dtype: "f32" }, { dims: [2], dtype: "i32" }],
 *   outputs: [{ dims: [4], dtype: "f32" }],
 * });
 * console.log(plan.programs.length); // 1
 * ```
 */
export const padOp: OpGenerator = {
  opTypes: ["Pad"],
  plan(node) {
    const x = inputInfo(node, 0);
    const rank = x.dims.length;
    const mode = stringAttr(node.attributes, "mode", "constant");
    if (!["constant", "reflect", "edge", "wrap"].includes(mode)) {
      throw new RangeError(
        `Pad 'mode' must be constant, reflect, edge or wrap: current value is ${mode}`,
      );
    }
    const pads = requireConstant(node, 1, "pads");
    if (!pads) throw new RangeError("Pad: input 'pads' is required");
    const axes = (requireConstant(node, 3, "axes") ?? x.dims.map((_, k) => k))
      .map((a) => normalizeAxis(a, rank, "axes"));
    if (pads.length !== 2 * axes.length) {
      throw new RangeError(`Pad 'pads' must have ${2 * axes.length} values: it has ${pads.length}`);
    }
    const before = new Array<number>(rank).fill(0);
    const after = new Array<number>(rank).fill(0);
    axes.forEach((a, k) => {
      before[a] = pads[k]!;
      after[a] = pads[k + axes.length]!;
    });
    const outDims = x.dims.map((d, k) => d + before[k]! + after[k]!);
    expectDims("Pad output", outputInfo(node, 0).dims, outDims);
    const count = sizeOf(outDims);
    if (mode !== "constant" && count > 0 && x.dims.some((d) => d === 0)) {
      throw new RangeError(`Pad: mode '${mode}' cannot pad an empty tensor`);
    }
    const strides = stridesOf(x.dims);
    const lines = [decompose("i", outDims, "o")];
    const coords: string[] = [];
    const inside: string[] = [];
    x.dims.forEach((n, k) => {
      if (before[k] === 0 && after[k] === 0) {
        coords.push(`o${k}`);
        return;
      }
      lines.push(`let c${k} = o${k} - ${before[k]};`);
      if (mode === "constant") {
        inside.push(`c${k} >= 0 && c${k} < ${n}`);
        coords.push(`c${k}`);
      } else {
        coords.push(`(${padMap(mode, `c${k}`, n)})`);
      }
    });
    const src = offsetExpr(coords, strides);
    const inputs = [boundInput(node, 0)];
    let fill = literal(0, x.dtype);
    const cv = constantInput(node, 2);
    let key = "";
    if (cv === null) {
      inputs.push(boundInput(node, 2));
      fill = "in2[0]";
      key = "rt";
    } else if (cv !== undefined && cv.length > 0) {
      fill = literal(cv[0]!, x.dtype);
      key = fill;
    }
    if (inside.length > 0) {
      lines.push(
        `if (${inside.join(" && ")}) { out0[i] = in0[${src}]; } else { out0[i] = ${fill}; }`,
      );
    } else {
      lines.push(`out0[i] = in0[${src}];`);
    }
    const decls = `fn reflectIndex(c: i32, n: i32, p: i32) -> i32 {
  let m = ((c % p) + p) % p;
  return select(m, p - m, m >= n);
}`;
    return plan([elementProgram({
      inputs,
      outputs: [boundOutput(node, 0)],
      count,
      body: lines.join("\n  "),
      decls,
      shaderKey: `Pad:${x.dtype}:${dimsKey(x.dims)}:${mode}:${before}:${after}:${key}`,
    })]);
  },
};

/** A program reading input 0 at `src` (built from output coordinates `o${k}`) per output element. */
function mapProgram(
  node: OpNode,
  outDims: readonly number[],
  src: string,
  key: string,
): OpPlan {
  const x = inputInfo(node, 0);
  return plan([elementProgram({
    inputs: [boundInput(node, 0)],
    outputs: [boundOutput(node, 0)],
    count: sizeOf(outDims),
    body: `${decompose("i", outDims, "o")}\n  out0[i] = in0[${src}];`,
    shaderKey: `${key}:${x.dtype}:${dimsKey(x.dims)}:${dimsKey(outDims)}`,
  })]);
}

/**
 * Tile: repeats input 0 to the output dims (from the `repeats` input, as shape inference resolved
 * them).
 *
 * @example
 * ```ts
 * import { tileOp } from "./movement.ts";
 * const plan = tileOp.plan({
 *   opType: "Tile", attributes: {}, constants: [undefined, [2]],
 *   inputs: [{ dims: [3], dtype: "i32" }, { dims: [1], dtype: "i32" }],
 *   outputs: [{ dims: [6], dtype: "i32" }],
 * });
 * console.log(plan.programs.length); // 1
 * ```
 */
export const tileOp: OpGenerator = {
  opTypes: ["Tile"],
  plan(node) {
    const x = inputInfo(node, 0);
    const out = outputInfo(node, 0).dims;
    if (
      out.length !== x.dims.length ||
      out.some((o, k) => x.dims[k] === 0 ? o !== 0 : o % x.dims[k]! !== 0)
    ) {
      throw new RangeError(`Tile: output dims [${out}] are not multiples of [${x.dims}]`);
    }
    const reps = node.constants[1];
    if (reps) expectDims("Tile output", out, x.dims.map((d, k) => d * reps[k]!));
    const coords = x.dims.map((d, k) => (d === out[k] ? `o${k}` : `o${k} % ${d}`));
    return mapProgram(node, out, offsetExpr(coords, stridesOf(x.dims)), "Tile");
  },
};

/**
 * DepthToSpace (modes DCR and CRD) and SpaceToDepth on NCHW tensors.
 *
 * @example
 * ```ts
 * import { depthToSpaceOp } from "./movement.ts";
 * const plan = depthToSpaceOp.plan({
 *   opType: "DepthToSpace", constants: [undefined],
 *   attributes: { blocksize: { name: "blocksize", docString: "", type: "int", value: 2 } },
 *   inputs: [{ dims: [1, 4, 1, 1], dtype: "f32" }], outputs: [{ dims: [1, 1, 2, 2], dtype: "f32" }],
 * });
 * console.log(plan.programs.length); // 1
 * ```
 */
export const depthToSpaceOp: OpGenerator = {
  opTypes: ["DepthToSpace", "SpaceToDepth"],
  plan(node) {
    const x = inputInfo(node, 0);
    const b = intAttr(node.attributes, "blocksize", 0);
    if (x.dims.length !== 4) throw new RangeError(`${node.opType}: input must be 4-D`);
    if (!(b >= 1)) throw new RangeError(`'blocksize' must be positive: current value is ${b}`);
    const [n, c, h, w] = x.dims as [number, number, number, number];
    const inStrides = stridesOf(x.dims);
    if (node.opType === "DepthToSpace") {
      const mode = stringAttr(node.attributes, "mode", "DCR");
      if (c % (b * b) !== 0) {
        throw new RangeError(`DepthToSpace: ${c} channels not divisible by ${b * b}`);
      }
      const oc = c / (b * b);
      const out = [n, oc, h * b, w * b];
      expectDims("DepthToSpace output", outputInfo(node, 0).dims, out);
      const ic = mode === "CRD"
        ? `o1 * ${b * b} + (o2 % ${b}) * ${b} + o3 % ${b}`
        : mode === "DCR"
        ? `((o2 % ${b}) * ${b} + o3 % ${b}) * ${oc} + o1`
        : undefined;
      if (!ic) {
        throw new RangeError(`DepthToSpace 'mode' must be DCR or CRD: current value is ${mode}`);
      }
      const src = offsetExpr(["o0", `(${ic})`, `(o2 / ${b})`, `(o3 / ${b})`], inStrides);
      return mapProgram(node, out, src, `DepthToSpace:${b}:${mode}`);
    }
    if (h % b !== 0 || w % b !== 0) {
      throw new RangeError(`SpaceToDepth: ${h}x${w} not divisible by ${b}`);
    }
    const out = [n, c * b * b, h / b, w / b];
    expectDims("SpaceToDepth output", outputInfo(node, 0).dims, out);
    const src = offsetExpr(
      ["o0", `(o1 % ${c})`, `(o2 * ${b} + (o1 / ${c}) / ${b})`, `(o3 * ${b} + (o1 / ${c}) % ${b})`],
      inStrides,
    );
    return mapProgram(node, out, src, `SpaceToDepth:${b}`);
  },
};

/** Every generator of this file. */
export const movementOps: readonly OpGenerator[] = [
  transposeOp,
  concatOp,
  splitOp,
  sliceOp,
  gatherOp,
  gatherElementsOp,
  padOp,
  tileOp,
  depthToSpaceOp,
];
