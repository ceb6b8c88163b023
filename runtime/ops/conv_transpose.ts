/**
 * ConvTranspose as a WGSL program over 1, 2 or 3 spatial dims: strides, pads, dilations, group,
 * output_padding, output_shape, auto_pad and bias. Each invocation computes up to eight output
 * channels at one position (as vec4 accumulators over a re-laid-out copy of the weight when the
 * group has a multiple of four) by gathering the input positions whose strided scatter lands on
 * it: without dilation only the taps congruent to the position modulo the stride are visited, and
 * the channel loop is innermost (chunked below llvmpipe's loop limit). On lavapipe (a loaded
 * machine, so rough) this takes a 2x2 stride-2 ConvTranspose of 24 channels at 160x160 from about
 * 770 ms (one channel, every tap) to about 120 ms (four channels, congruent taps) and, paired in
 * one run, eight vec4-loaded channels at half the time of four.
 *
 * @module
 */
import { intAttr, intsAttr, stringAttr } from "./attributes.ts";
import {
  boundInput,
  boundOutput,
  type BoundTensor,
  chunkedLoop,
  elementProgram,
  expectDims,
  inputInfo,
  MAX_LOOP,
  outputInfo,
  sizeOf,
  stridesOf,
} from "./_indexing.ts";
import type { OpGenerator } from "./types.ts";

/** Pads and output extents of a ConvTranspose along its spatial dims. */
export interface ConvTransposeGeometry {
  /** Padding before each spatial dim. */
  readonly padsBegin: readonly number[];
  /** Padding after each spatial dim. */
  readonly padsEnd: readonly number[];
  /** Output extent per spatial dim. */
  readonly out: readonly number[];
}

/**
 * Output extents and pads of a ConvTranspose: from `pads`, or from `output_shape` / `auto_pad`
 * (SAME_UPPER puts the odd pad at the end, otherwise at the beginning), as onnxruntime does.
 *
 * @example
 * ```ts
 * import { convTransposeGeometry } from "./conv_transpose.ts";
 * const g = convTransposeGeometry([3], [3], [2], [1], [1, 1], [1], undefined, "NOTSET");
 * console.log(g.out); // [6]
 * ```
 */
export function convTransposeGeometry(
  spatial: readonly number[],
  kernel: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
  pads: readonly number[],
  outputPadding: readonly number[],
  outputShape: readonly number[] | undefined,
  autoPad: string,
): ConvTransposeGeometry {
  const s = spatial.length;
  const padsBegin: number[] = [];
  const padsEnd: number[] = [];
  const out: number[] = [];
  if (!["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"].includes(autoPad)) {
    throw new RangeError(
      `'auto_pad' must be NOTSET, SAME_UPPER, SAME_LOWER or VALID: current value is ${autoPad}`,
    );
  }
  spatial.forEach((n, k) => {
    const st = strides[k]!;
    const full = st * (n - 1) + outputPadding[k]! + (kernel[k]! - 1) * dilations[k]! + 1;
    const target = outputShape
      ? outputShape[outputShape.length - s + k]!
      : autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER"
      ? n * st
      : undefined;
    if (target !== undefined) {
      const total = Math.max(0, full - target);
      const small = Math.floor(total / 2);
      const upper = autoPad === "SAME_UPPER";
      padsBegin.push(upper ? small : total - small);
      padsEnd.push(upper ? total - small : small);
      out.push(target);
    } else {
      const pb = autoPad === "VALID" ? 0 : pads[k]!;
      const pe = autoPad === "VALID" ? 0 : pads[k + s]!;
      padsBegin.push(pb);
      padsEnd.push(pe);
      out.push(full - pb - pe);
    }
  });
  return { padsBegin, padsEnd, out };
}

/**
 * ConvTranspose (NC + 1 to 3 spatial dims, weight `[C, M/group, k...]`, optional bias `[M]`).
 *
 * @example
 * ```ts
 * import { convTransposeOp } from "./conv_transpose.ts";
 * const plan = convTransposeOp.plan({
 *   opType: "ConvTranspose", attributes: {}, constants: [undefined, undefined],
 *   inputs: [{ dims: [1, 2, 3, 3], dtype: "f32" }, { dims: [2, 4, 2, 2], dtype: "f32" }],
 *   outputs: [{ dims: [1, 4, 4, 4], dtype: "f32" }],
 * });
 * console.log(plan.programs.length); // 1
 * ```
 */
export const convTransposeOp: OpGenerator = {
  opTypes: ["ConvTranspose"],
  plan(node) {
    const x = inputInfo(node, 0);
    const w = inputInfo(node, 1);
    const rank = x.dims.length;
    if (rank < 3 || w.dims.length !== rank) {
      throw new RangeError(`ConvTranspose: input and weight must have the same rank >= 3`);
    }
    if (x.dtype !== "f32" || w.dtype !== "f32") {
      throw new RangeError("ConvTranspose: input and weight must be floating point");
    }
    const a = node.attributes;
    const s = rank - 2;
    const spatial = x.dims.slice(2);
    const [n, c] = x.dims as [number, number];
    const group = intAttr(a, "group", 1);
    if (!(group >= 1) || c % group !== 0 || w.dims[0] !== c) {
      throw new RangeError(
        `ConvTranspose: weight dims [${w.dims}] do not fit ${c} channels in ${group} groups`,
      );
    }
    const cg = c / group;
    const mg = w.dims[1]!;
    const m = mg * group;
    const kernel = w.dims.slice(2);
    const given = intsAttr(a, "kernel_shape", undefined);
    if (given) expectDims("ConvTranspose 'kernel_shape'", given, kernel);
    const ones = new Array<number>(s).fill(1);
    const g = convTransposeGeometry(
      spatial,
      kernel,
      intsAttr(a, "strides", ones),
      intsAttr(a, "dilations", ones),
      intsAttr(a, "pads", new Array<number>(2 * s).fill(0)),
      intsAttr(a, "output_padding", new Array<number>(s).fill(0)),
      intsAttr(a, "output_shape", undefined),
      stringAttr(a, "auto_pad", "NOTSET"),
    );
    const strides = intsAttr(a, "strides", ones);
    const dilations = intsAttr(a, "dilations", ones);
    const outDims = [n, m, ...g.out];
    expectDims("ConvTranspose output", outputInfo(node, 0).dims, outDims);
    const bias = node.inputs[2];
    if (bias) expectDims("ConvTranspose bias", bias.dims, [m]);
    const inSp = sizeOf(spatial);
    const kSp = sizeOf(kernel);
    const outSp = sizeOf(g.out);
    const inStr = stridesOf(spatial);
    const kStr = stridesOf(kernel);
    const outStr = stridesOf(g.out);
    // Each invocation computes `tile` consecutive output channels of one group at one position,
    // so every input value it reads feeds `tile` accumulators. With four or eight, a first program
    // copies the weight to [C, k..., M/group] (scratch0) so that four weights are one vec4 load.
    const tile = mg % 8 === 0 ? 8 : mg % 4 === 0 ? 4 : mg % 2 === 0 ? 2 : 1;
    const vec = tile >= 4;
    const nv = tile / 4;
    const vacc = Array.from({ length: nv }, (_, j) => `accv${j}`);
    const tiles = m / tile;
    const acc = Array.from({ length: tile }, (_, t) => `acc${t}`);
    const lines = [
      `let nm = i / ${outSp}u;`,
      `let r = i % ${outSp}u;`,
      `let oc = i32(nm % ${tiles}u) * ${tile};`,
      `let b = i32(nm / ${tiles}u);`,
      `let grp = oc / ${mg};`,
      `let xBase = (b * ${c} + grp * ${cg}) * ${inSp};`,
      vec
        ? `let wBase = grp * ${cg * kSp * (mg / 4)} + (oc % ${mg}) / 4;`
        : `let wBase = (grp * ${cg} * ${mg} + oc % ${mg}) * ${kSp};`,
      vec
        ? vacc.map((a, j) =>
          `var ${a} = ${
            bias
              ? `vec4<f32>(${[0, 1, 2, 3].map((t) => `in2[oc + ${4 * j + t}]`).join(", ")})`
              : "vec4<f32>()"
          };`
        ).join("\n  ")
        : acc.map((a, t) => `var ${a} = ${bias ? `in2[oc + ${t}]` : "0.0"};`).join("\n  "),
    ];
    g.out.forEach((_, k) => {
      lines.push(`let o${k} = i32((r / ${outStr[k]}u) % ${g.out[k]}u) + ${g.padsBegin[k]};`);
    });
    const xOff = spatial.map((_, k) => `x${k} * ${inStr[k]}`).join(" + ");
    const kOff = kernel.map((_, k) => `k${k} * ${kStr[k]! * (vec ? mg / 4 : 1)}`).join(" + ");
    let body = chunkedLoop(
      "ci",
      cg,
      vec
        ? `let v = in0[xo + ci * ${inSp}];
let wo = ko + ci * ${kSp * (mg / 4)};
${vacc.map((a, j) => `${a} += v * scratch0[wo + ${j}];`).join("\n")}`
        : `let v = in0[xo + ci * ${inSp}];
let wo = ko + ci * ${mg * kSp};
${acc.map((a, t) => `${a} += v * in1[wo + ${t * kSp}];`).join("\n")}`,
    );
    body = `let xo = xBase + ${xOff};\nlet ko = wBase + ${kOff};\n${body}`;
    for (let k = s - 1; k >= 0; k--) {
      const st = strides[k]!;
      const d = dilations[k]!;
      const kk = kernel[k]!;
      if (d === 1 && st > 1 && kk <= MAX_LOOP) {
        // Only the taps k = o (mod stride) land on o: start at the first and step by the stride.
        body = `for (var k${k} = o${k} % ${st}; k${k} < ${kk}; k${k} += ${st}) {
let x${k} = (o${k} - k${k}) / ${st};
if (x${k} < 0) { break; }
if (x${k} >= ${spatial[k]}) { continue; }
${body}
}`;
        continue;
      }
      body = chunkedLoop(
        `k${k}`,
        kk,
        `let t${k} = o${k} - k${k} * ${d};
if (t${k} < 0${st > 1 ? ` || t${k} % ${st} != 0` : ""}) { continue; }
let x${k} = t${k} / ${st};
if (x${k} >= ${spatial[k]}) { continue; }
${body}`,
      );
    }
    lines.push(body);
    lines.push(
      `let ob = (u32(b) * ${m}u + u32(oc)) * ${outSp}u + r;`,
      ...acc.map((a, t) =>
        `out0[ob + ${t * outSp}u] = ${vec ? `${vacc[Math.floor(t / 4)]}[${t % 4}]` : a};`
      ),
    );
    const wElements = sizeOf(w.dims);
    const inputs: BoundTensor[] = [
      boundInput(node, 0),
      vec
        ? { name: "scratch0", dtype: "f32", elements: wElements, vec4: true }
        : boundInput(node, 1),
    ];
    if (bias) inputs.push(boundInput(node, 2));
    const relayout = elementProgram({
      inputs: [boundInput(node, 1)],
      outputs: [{ name: "scratch0", dtype: "f32", elements: wElements }],
      count: wElements,
      // Source [C, Mg, k] at i, target [C, k, Mg].
      body: `let ci = i / ${mg * kSp}u;
  let mm = (i / ${kSp}u) % ${mg}u;
  let kp = i % ${kSp}u;
  scratch0[(ci * ${kSp}u + kp) * ${mg}u + mm] = in1[i];`,
      shaderKey: `ConvTransposeWeights:${w.dims.join("x")}`,
    });
    return {
      scratch: vec ? [{ name: "scratch0", dtype: "f32", elements: wElements }] : [],
      programs: [
        ...(vec ? [relayout] : []),
        elementProgram({
          inputs,
          outputs: [boundOutput(node, 0)],
          count: sizeOf(outDims) / tile,
          body: lines.join("\n  "),
          shaderKey: `ConvTranspose:${x.dims.join("x")}:${
            w.dims.join("x")
          }:${group}:${strides}:${dilations}:${g.padsBegin}:${g.out}:${bias ? "b" : ""}`,
        }),
      ],
    };
  },
};

/** Every generator of this file. */
export const convTransposeOps: readonly OpGenerator[] = [convTransposeOp];
