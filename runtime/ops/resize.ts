/**
 * Resize as a WGSL program, modes `nearest` (every `nearest_mode`) and `linear` (n-linear over
 * every resized axis), every `coordinate_transformation_mode` (tf_crop_and_resize with a constant
 * roi), scales or sizes, `axes` and `keep_aspect_ratio_policy`.
 *
 * The coordinate mapping is separable, so it is computed on the host once per plan, in f32
 * arithmetic step by step as onnxruntime does it, into per-axis tables (source index, or two source
 * indices and their weights) carried in the program's uniform block: the shader only looks up and
 * blends, and nearest-mode ties round exactly as onnxruntime rounds them.
 *
 * @module
 */
import { floatAttr, floatsAttr, intAttr, intsAttr, stringAttr } from "./attributes.ts";
import {
  boundInput,
  boundOutput,
  decompose,
  elementProgram,
  inputInfo,
  literal,
  MAX_TABLE_WORDS,
  normalizeAxis,
  offsetExpr,
  outputInfo,
  sizeOf,
  stridesOf,
} from "./_indexing.ts";
import { type OpGenerator, type OpNode, UnsupportedOpError } from "./types.ts";

const f = Math.fround;

const MODES = [
  "half_pixel",
  "half_pixel_symmetric",
  "pytorch_half_pixel",
  "align_corners",
  "asymmetric",
  "tf_half_pixel_for_nearest",
  "tf_crop_and_resize",
] as const;

/**
 * The source coordinate of output coordinate `x` along an axis of `n` inputs and `m` outputs,
 * computed in f32 in onnxruntime's order of operations.
 *
 * @example
 * ```ts
 * import { originalCoordinate } from "./resize.ts";
 * console.log(originalCoordinate("half_pixel", 1, 2, 4, 2, 0, 1)); // 0.25
 * ```
 */
export function originalCoordinate(
  mode: string,
  x: number,
  scale: number,
  m: number,
  n: number,
  roiStart: number,
  roiEnd: number,
): number {
  switch (mode) {
    case "half_pixel":
      return f(f(f(x + 0.5) / scale) - 0.5);
    case "half_pixel_symmetric": {
      // onnxruntime 1.23 lands on the other side of an integer in rare downscales (5 -> 3 at
      // scale 0.6); this is the f32 evaluation of the ONNX formula.
      const adjustment = f(m / f(scale * n));
      const offset = f(f(n / 2) * f(1 - adjustment));
      return f(f(offset + f(f(x + 0.5) / scale)) - 0.5);
    }
    case "pytorch_half_pixel":
      return m > 1 ? f(f(f(x + 0.5) / scale) - 0.5) : 0;
    case "align_corners":
      return m === 1 ? 0 : f(f(x * (n - 1)) / (m - 1));
    case "asymmetric":
      return f(x / scale);
    case "tf_half_pixel_for_nearest":
      return f(f(x + 0.5) / scale);
    case "tf_crop_and_resize":
      return m > 1
        ? f(f(roiStart * (n - 1)) + f(f(f(x * f(roiEnd - roiStart)) * (n - 1)) / (m - 1)))
        : f(f(f(0.5 * f(roiStart + roiEnd))) * (n - 1));
    default:
      throw new RangeError(
        `'coordinate_transformation_mode' must be one of ${
          MODES.join(", ")
        }: current value is ${mode}`,
      );
  }
}

/** C's `round`: halves away from zero. */
const roundAway = (v: number) => Math.sign(v) * Math.round(Math.abs(v));

/**
 * The nearest source index of coordinate `x` under `nearestMode` (before clamping).
 *
 * @example
 * ```ts
 * import { nearestIndex } from "./resize.ts";
 * console.log(nearestIndex("round_prefer_floor", 2.5), nearestIndex("round_prefer_ceil", 2.5)); // 2 3
 * ```
 */
export function nearestIndex(nearestMode: string, x: number): number {
  const tie = x === Math.trunc(x) + 0.5;
  switch (nearestMode) {
    case "round_prefer_floor":
      return tie ? Math.floor(x) : roundAway(x);
    case "round_prefer_ceil":
      return tie ? Math.ceil(x) : roundAway(x);
    case "floor":
      return Math.floor(x);
    case "ceil":
      return Math.ceil(x);
    default:
      throw new RangeError(
        `'nearest_mode' must be round_prefer_floor, round_prefer_ceil, floor or ceil: current value is ${nearestMode}`,
      );
  }
}

/** Per-axis scales (f32) of a Resize node, from its constant scales or its sizes. */
function resizeScales(node: OpNode, inDims: readonly number[], outDims: readonly number[]) {
  const rank = inDims.length;
  const axes =
    intsAttr(node.attributes, "axes", undefined)?.map((a) => normalizeAxis(a, rank, "axes")) ??
      inDims.map((_, k) => k);
  const scalesIn = node.inputs[2] ? node.constants[2] : undefined;
  const hasScales = node.inputs[2] !== undefined && sizeOf(node.inputs[2].dims) > 0;
  if (hasScales && !scalesIn) throw new UnsupportedOpError("Resize", "a run-time 'scales' input");
  const scales = inDims.map(() => 1);
  if (hasScales && scalesIn) {
    if (scalesIn.length !== axes.length) {
      throw new RangeError(
        `Resize 'scales' must have ${axes.length} values: it has ${scalesIn.length}`,
      );
    }
    axes.forEach((a, k) => (scales[a] = f(scalesIn[k]!)));
    return scales;
  }
  if (!node.inputs[3]) throw new RangeError("Resize: one of 'scales' and 'sizes' is required");
  const policy = stringAttr(node.attributes, "keep_aspect_ratio_policy", "stretch");
  if (policy === "stretch") {
    axes.forEach((a) => (scales[a] = f(outDims[a]! / inDims[a]!)));
    return scales;
  }
  const sizes = node.constants[3];
  if (!sizes) {
    throw new UnsupportedOpError(
      "Resize",
      "a run-time 'sizes' input with keep_aspect_ratio_policy",
    );
  }
  const ratios = axes.map((a, k) => f(sizes[k]! / inDims[a]!));
  const common = policy === "not_larger"
    ? Math.min(...ratios)
    : policy === "not_smaller"
    ? Math.max(...ratios)
    : undefined;
  if (common === undefined) {
    throw new RangeError(
      `'keep_aspect_ratio_policy' must be stretch, not_larger or not_smaller: current value is ${policy}`,
    );
  }
  axes.forEach((a) => (scales[a] = common));
  return scales;
}

/** Scales of the deprecated Upsample: its `scales` input (opset 9) or attribute (opset 7). */
function upsampleScales(node: OpNode, rank: number): number[] {
  const given = node.inputs[1]
    ? node.constants[1]
    : floatsAttr(node.attributes, "scales", undefined);
  if (node.inputs[1] && !given) {
    throw new UnsupportedOpError("Upsample", "a run-time 'scales' input");
  }
  if (!given || given.length !== rank) {
    throw new RangeError(`Upsample 'scales' must have ${rank} values: current value is [${given}]`);
  }
  return given.map(f);
}

/**
 * Resize, modes nearest and linear; cubic and antialias throw UnsupportedOpError. Also plans the
 * deprecated Upsample, which old models still use: asymmetric coordinates, nearest rounding down
 * on axes that grow and up on axes that shrink. Resize of opset 10 has exactly these semantics
 * (onnxruntime agrees), so graph normalization can hand such a node over as an `Upsample` with
 * its `scales` as input 1.
 *
 * @example
 * ```ts
 * import { resizeOp } from "./resize.ts";
 * const plan = resizeOp.plan({
 *   opType: "Resize", constants: [undefined, undefined, [1, 1, 2, 2]],
 *   attributes: { mode: { name: "mode", docString: "", type: "string", value: "linear" } },
 *   inputs: [{ dims: [1, 1, 2, 2], dtype: "f32" }, undefined, { dims: [4], dtype: "f32" }],
 *   outputs: [{ dims: [1, 1, 4, 4], dtype: "f32" }],
 * });
 * console.log(plan.programs[0]!.uniforms!.length); // 32
 * ```
 */
export const resizeOp: OpGenerator = {
  opTypes: ["Resize", "Upsample"],
  plan(node) {
    const x = inputInfo(node, 0);
    const out = outputInfo(node, 0).dims;
    const rank = x.dims.length;
    if (out.length !== rank) throw new RangeError(`Resize: output rank must be ${rank}`);
    const a = node.attributes;
    const mode = stringAttr(a, "mode", "nearest");
    if (mode === "cubic") throw new UnsupportedOpError("Resize", "mode 'cubic'");
    if (mode !== "nearest" && mode !== "linear") {
      throw new RangeError(
        `Resize 'mode' must be nearest, linear or cubic: current value is ${mode}`,
      );
    }
    if (intAttr(a, "antialias", 0) !== 0) throw new UnsupportedOpError("Resize", "antialias");
    if (mode === "linear" && x.dtype !== "f32") {
      throw new UnsupportedOpError("Resize", "linear mode on integer tensors");
    }
    const upsample = node.opType === "Upsample";
    const ctm = upsample
      ? "asymmetric"
      : stringAttr(a, "coordinate_transformation_mode", "half_pixel");
    const nearestMode = upsample ? "floor" : stringAttr(a, "nearest_mode", "round_prefer_floor");
    const extrapolation = floatAttr(a, "extrapolation_value", 0);
    const scales = upsample ? upsampleScales(node, rank) : resizeScales(node, x.dims, out);
    let roi: number[] = Array.from({ length: 2 * rank }, (_, k) => (k < rank ? 0 : 1));
    if (ctm === "tf_crop_and_resize") {
      const given = node.inputs[1] ? node.constants[1] : undefined;
      if (node.inputs[1] && !given) {
        throw new UnsupportedOpError("Resize", "a run-time 'roi' input");
      }
      if (!given) throw new RangeError("Resize: 'roi' is required by tf_crop_and_resize");
      const axes = intsAttr(a, "axes", undefined)?.map((v) => normalizeAxis(v, rank, "axes"));
      if (axes) {
        axes.forEach((ax, k) => {
          roi[ax] = given[k]!;
          roi[ax + rank] = given[k + axes.length]!;
        });
      } else {
        roi = [...given];
      }
    }
    const extrapolate = ctm === "tf_crop_and_resize";
    // Per resized axis: one table word per output coordinate (nearest: source index, -1 when
    // extrapolating) or four (linear: two source indices, two weights as f32 bits).
    const words: number[] = [];
    const axisTable: { axis: number; offset: number }[] = [];
    const affine = new Map<number, [number, number]>();
    const asI32 = new Int32Array(1);
    const asF32 = new Float32Array(asI32.buffer);
    const bits = (v: number) => {
      asF32[0] = v;
      return asI32[0]!;
    };
    for (let k = 0; k < rank; k++) {
      const n = x.dims[k]!, m = out[k]!;
      const entries: number[] = [];
      let identity = n === m;
      for (let o = 0; o < m; o++) {
        const c = originalCoordinate(ctm, o, scales[k]!, m, n, f(roi[k]!), f(roi[k + rank]!));
        const outside = extrapolate && (c < 0 || c > n - 1);
        if (outside || c !== o) identity = false;
        if (mode === "nearest") {
          // Upsample (and Resize-10) round as onnxruntime's "simple" mode: down when an axis
          // grows, up when it shrinks.
          const rounding = upsample ? (scales[k]! < 1 ? "ceil" : "floor") : nearestMode;
          const idx = outside ? -1 : Math.max(0, Math.min(n - 1, nearestIndex(rounding, c)));
          entries.push(idx);
        } else {
          const cc = Math.max(0, Math.min(c, n - 1));
          const i0 = Math.min(Math.trunc(cc), n - 1);
          const i1 = Math.min(i0 + 1, n - 1);
          let w0 = f(Math.abs(f(cc - i1))), w1 = f(Math.abs(f(cc - i0)));
          if (i0 === i1) w0 = w1 = 0.5;
          entries.push(outside ? -1 : i0, i1, bits(w0), bits(w1));
        }
      }
      if (identity) continue;
      // Integer up- and downscales in nearest mode usually map o to floor(o * n / m): the shader
      // computes that instead of reading the table.
      if (mode === "nearest" && entries.every((e, o) => e === Math.floor((o * n) / m))) {
        affine.set(k, [n, m]);
        continue;
      }
      axisTable.push({ axis: k, offset: words.length / (mode === "nearest" ? 1 : 4) });
      words.push(...entries);
    }
    if (words.length > MAX_TABLE_WORDS) {
      throw new UnsupportedOpError("Resize", `an output needing ${words.length} table words`);
    }
    const strides = stridesOf(x.dims);
    const resized = new Set(axisTable.map((t) => t.axis));
    const lines = [decompose("i", out, "o")];
    const fill = literal(extrapolation, x.dtype);
    if (mode === "nearest") {
      for (const { axis, offset } of axisTable) {
        lines.push(`let s${axis} = tab(${offset} + o${axis});`);
      }
      const coords = out.map((_, k) => {
        const nm = affine.get(k);
        if (nm) return `((o${k} * ${nm[0]}) / ${nm[1]})`;
        return resized.has(k) ? `s${k}` : `o${k}`;
      });
      const read = `in0[${offsetExpr(coords, strides)}]`;
      const outside = axisTable.map((t) => `s${t.axis} < 0`);
      lines.push(
        outside.length > 0 && extrapolate
          ? `if (${outside.join(" || ")}) { out0[i] = ${fill}; } else { out0[i] = ${read}; }`
          : `out0[i] = ${read};`,
      );
    } else {
      if (axisTable.length > 4) {
        throw new UnsupportedOpError("Resize", "linear mode over more than 4 axes");
      }
      for (const { axis, offset } of axisTable) {
        lines.push(`let e${axis} = u.t[${offset} + o${axis}];`);
      }
      const terms: string[] = [];
      for (let bitsMask = 0; bitsMask < 1 << axisTable.length; bitsMask++) {
        const weight: string[] = [];
        const coords = out.map((_, k) => `o${k}`);
        axisTable.forEach(({ axis }, j) => {
          const hi = (bitsMask >> j) & 1;
          coords[axis] = hi ? `e${axis}.y` : `max(e${axis}.x, 0)`;
          weight.push(`bitcast<f32>(e${axis}.${hi ? "w" : "z"})`);
        });
        terms.push(`${weight.join(" * ") || "1.0"} * in0[${offsetExpr(coords, strides)}]`);
      }
      const outside = axisTable.map((t) => `e${t.axis}.x < 0`);
      const value = terms.join(" +\n    ");
      lines.push(
        outside.length > 0 && extrapolate
          ? `if (${outside.join(" || ")}) { out0[i] = ${fill}; } else { out0[i] = ${value}; }`
          : `out0[i] = ${value};`,
      );
    }
    // No table when no axis reads one: an unused uniform would drop out of the pipeline's layout.
    const table = words.length > 0 ? { table: Int32Array.from(words) } : {};
    return {
      programs: [elementProgram({
        inputs: [boundInput(node, 0)],
        outputs: [boundOutput(node, 0)],
        count: sizeOf(out),
        body: lines.join("\n  "),
        ...table,
        shaderKey: `Resize:${x.dtype}:${x.dims.join("x")}:${out.join("x")}:${mode}:${
          axisTable.map((t) => `${t.axis}@${t.offset}`).join(",")
        }:${[...affine].map(([k, [n, m]]) => `${k}=${n}/${m}`).join(",")}:${
          extrapolate ? fill : ""
        }:${words.length}`,
      })],
      scratch: [],
    };
  },
};

/** Every generator of this file. */
export const resizeOps: readonly OpGenerator[] = [resizeOp];
