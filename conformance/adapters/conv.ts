/**
 * ONNX `Conv` (and ONNX Runtime's `FusedConv` and NHWC-internal `Conv`) on the `conv2d` family.
 *
 * - Attributes: `auto_pad` (`NOTSET` with `pads`, `SAME_UPPER`, `SAME_LOWER`, `VALID`), `pads`,
 *   `strides`, `dilations`, `group`, `kernel_shape` (checked against the weight's shape).
 * - 1-D convolutions run as 2-D with height 1.
 * - 3-D convolutions (NCDHW) run as one 2-D convolution: the kD depth taps of each output depth
 *   are unfolded into channels on the host (`[N·Dout, C·kD, H, W]`, zero slices for depth
 *   padding), the weight is viewed as `[M, Cg·kD, kH, kW]`, and the output is reordered back.
 * - Domain `com.ms.internal.nhwc`: input and output are channels-last (the kernel's `NHWC`
 *   layout), the weight stays in ONNX order.
 * - Fused activations (`activation`, `activation_params`): `Relu` and `Clip(0, 6)` are the
 *   kernel's `relu` / `relu6` epilogues; `Clip` with other bounds, `LeakyRelu`, `HardSigmoid`,
 *   `Sigmoid` and `Tanh` are applied on the host after the kernel. FusedConv's `Z` input is not
 *   supported.
 *
 * @module
 */
import { getAttribute } from "../../onnx/attribute.ts";
import { type OpAdapter, type OpPlan, UnsupportedCase } from "../case.ts";
import { kernelDtype, toFloat32, transpose } from "../host_ops.ts";
import { product, requiredInput, requireDtype } from "./_util.ts";

/** Begin and end padding of one spatial axis. */
export interface AxisPads {
  /** Zeros before the first element. */
  readonly begin: number;
  /** Zeros after the last element. */
  readonly end: number;
}

/**
 * Pads of each spatial axis under ONNX `auto_pad`: `SAME_*` pads so that the output size is
 * `ceil(in / stride)`, putting the odd element at the end (`SAME_UPPER`) or at the beginning
 * (`SAME_LOWER`); `VALID` pads nothing; `NOTSET` reads `pads` (`[x1_begin, x2_begin, ...,
 * x1_end, x2_end, ...]`, zeros by default).
 *
 * @example SAME_LOWER on a 5-wide input, kernel 3, stride 2
 * ```ts
 * import { convPads } from "./conv.ts";
 * console.log(convPads("SAME_LOWER", undefined, [5], [3], [2], [1])); // [{ begin: 1, end: 1 }]
 * console.log(convPads("SAME_UPPER", undefined, [4], [2], [1], [1])); // [{ begin: 0, end: 1 }]
 * ```
 */
export function convPads(
  autoPad: string,
  pads: readonly number[] | undefined,
  input: readonly number[],
  kernel: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
): AxisPads[] {
  const rank = input.length;
  switch (autoPad) {
    case "NOTSET": {
      const p = pads ?? new Array<number>(2 * rank).fill(0);
      if (p.length !== 2 * rank || p.some((x) => !Number.isInteger(x) || x < 0)) {
        throw new RangeError(
          `'pads' must be ${2 * rank} non-negative integers: current value is [${p}]`,
        );
      }
      return input.map((_, i) => ({ begin: p[i]!, end: p[rank + i]! }));
    }
    case "VALID":
      return input.map(() => ({ begin: 0, end: 0 }));
    case "SAME_UPPER":
    case "SAME_LOWER":
      return input.map((size, i) => {
        const out = Math.ceil(size / strides[i]!);
        const total = Math.max(
          0,
          (out - 1) * strides[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - size,
        );
        const small = Math.floor(total / 2);
        return autoPad === "SAME_UPPER"
          ? { begin: small, end: total - small }
          : { begin: total - small, end: small };
      });
    default:
      throw new RangeError(
        `'auto_pad' must be NOTSET, SAME_UPPER, SAME_LOWER or VALID: current value is '${autoPad}'`,
      );
  }
}

type KernelActivation = "none" | "relu" | "relu6";

/** The fused activation: what the kernel applies, and what the host applies after it. */
function fusedActivation(
  name: string | undefined,
  params: readonly number[],
): { kernel: KernelActivation; host: ((x: number) => number) | undefined; label: string } {
  switch (name) {
    case undefined:
    case "":
      return { kernel: "none", host: undefined, label: "" };
    case "Relu":
      return { kernel: "relu", host: undefined, label: "kernel relu" };
    case "Clip": {
      const [lo = -Infinity, hi = Infinity] = params;
      if (lo === 0 && hi === 6) return { kernel: "relu6", host: undefined, label: "kernel relu6" };
      return {
        kernel: "none",
        host: (x) => Math.min(hi, Math.max(lo, x)),
        label: `host Clip(${lo}, ${hi})`,
      };
    }
    case "LeakyRelu": {
      const [alpha = 0.01] = params;
      return {
        kernel: "none",
        host: (x) => x >= 0 ? x : alpha * x,
        label: `host LeakyRelu(${alpha})`,
      };
    }
    case "HardSigmoid": {
      const [alpha = 0.2, beta = 0.5] = params;
      return {
        kernel: "none",
        host: (x) => Math.max(0, Math.min(1, alpha * x + beta)),
        label: `host HardSigmoid(${alpha}, ${beta})`,
      };
    }
    case "Sigmoid":
      return { kernel: "none", host: (x) => 1 / (1 + Math.exp(-x)), label: "host Sigmoid" };
    case "Tanh":
      return { kernel: "none", host: Math.tanh, label: "host Tanh" };
    default:
      throw new UnsupportedCase(`activation '${name}' is not one FusedConv defines`);
  }
}

/** Unfolds the depth taps of an NCDHW input into channels: `[N·Dout, C·kD, H, W]`. */
function unfoldDepth(
  x: Float32Array,
  dims: readonly number[],
  kD: number,
  outD: number,
  strideD: number,
  dilationD: number,
  padD: number,
): Float32Array {
  const [n, c, d, h, w] = dims as [number, number, number, number, number];
  const plane = h * w;
  const out = new Float32Array(n * outD * c * kD * plane);
  for (let b = 0; b < n; b++) {
    for (let od = 0; od < outD; od++) {
      for (let ci = 0; ci < c; ci++) {
        for (let kd = 0; kd < kD; kd++) {
          const id = od * strideD - padD + kd * dilationD;
          if (id < 0 || id >= d) continue;
          const src = ((b * c + ci) * d + id) * plane;
          const dst = (((b * outD + od) * c + ci) * kD + kd) * plane;
          out.set(x.subarray(src, src + plane), dst);
        }
      }
    }
  }
  return out;
}

/**
 * The Conv adapter (standard `Conv`, `com.microsoft` `FusedConv`, `com.ms.internal.nhwc` `Conv`).
 *
 * @example Plan a strided convolution with asymmetric pads
 * ```ts
 * import { convAdapter } from "./conv.ts";
 * const t = (dims: number[]) => ({ name: "", dataType: "float" as const, dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)), docString: "" });
 * const ints = (name: string, value: number[]) => ({ name, docString: "", type: "ints" as const, value });
 * const plan = convAdapter.plan({
 *   id: "x", source: "onnx-node", opType: "Conv", domain: "", opset: 22,
 *   attributes: { pads: ints("pads", [1, 0, 1, 0]), strides: ints("strides", [2, 2]) },
 *   inputs: [t([1, 1, 7, 5]), t([1, 1, 3, 3])], outputs: [t([1, 1, 4, 2])],
 * });
 * console.log(plan.shapes); // [[1, 1, 4, 2]]
 * ```
 */
export const convAdapter: OpAdapter = {
  name: "Conv",
  matches: (c) =>
    (c.opType === "Conv" && (c.domain === "" || c.domain === "com.ms.internal.nhwc")) ||
    (c.opType === "FusedConv" && c.domain === "com.microsoft"),
  plan(c): OpPlan {
    const x = requiredInput(c, 0, "X");
    const w = requiredInput(c, 1, "W");
    const bias = c.inputs[2];
    if (c.inputs[3]) throw new UnsupportedCase("FusedConv input Z (residual sum) is not supported");
    const nhwc = c.domain === "com.ms.internal.nhwc";
    const dtype = kernelDtype(x, "X");
    if (kernelDtype(w, "W") !== dtype || (bias && kernelDtype(bias, "B") !== dtype)) {
      throw new RangeError(`${c.id}: X, W and B must share one element type`);
    }
    const spatialRank = x.dims.length - 2;
    if (spatialRank < 1 || spatialRank > 3 || w.dims.length !== x.dims.length) {
      throw new UnsupportedCase(
        `Conv with ${spatialRank} spatial dims: only 1-D, 2-D and 3-D are mapped onto conv2d`,
      );
    }
    if (nhwc && spatialRank !== 2) {
      throw new UnsupportedCase("channels-last Conv is mapped only for 2-D inputs");
    }
    const [batch, inChannels] = nhwc ? [x.dims[0]!, x.dims.at(-1)!] : [x.dims[0]!, x.dims[1]!];
    const spatial = nhwc ? x.dims.slice(1, -1) : x.dims.slice(2);
    const [outChannels, cg] = [w.dims[0]!, w.dims[1]!];
    const kernel = w.dims.slice(2);
    const a = c.attributes;
    const kernelShape = getAttribute(a, "kernel_shape", "ints");
    if (kernelShape && kernelShape.join() !== kernel.join()) {
      throw new RangeError(`${c.id}: kernel_shape [${kernelShape}] differs from W's [${kernel}]`);
    }
    const ones = new Array<number>(spatialRank).fill(1);
    const strides = getAttribute(a, "strides", "ints") ?? ones;
    const dilations = getAttribute(a, "dilations", "ints") ?? ones;
    const group = getAttribute(a, "group", "int") ?? 1;
    if (inChannels !== cg * group) {
      throw new RangeError(`${c.id}: X has ${inChannels} channels, W expects ${cg}·${group}`);
    }
    const autoPad = getAttribute(a, "auto_pad", "string") ?? "NOTSET";
    const pads = convPads(
      autoPad,
      getAttribute(a, "pads", "ints"),
      spatial,
      kernel,
      strides,
      dilations,
    );
    const act = fusedActivation(
      getAttribute(a, "activation", "string"),
      getAttribute(a, "activation_params", "floats") ?? [],
    );
    // The last two spatial axes are H and W; a 1-D conv gets H = 1; a 3-D conv unfolds depth.
    const two = <T>(values: readonly T[], fill: T): [T, T] =>
      values.length === 1 ? [fill, values[0]!] : [values.at(-2)!, values.at(-1)!];
    const [height, width] = two(spatial, 1);
    const [kernelH, kernelW] = two(kernel, 1);
    const [strideH, strideW] = two(strides, 1);
    const [dilationH, dilationW] = two(dilations, 1);
    const [padH, padW] = two(pads, { begin: 0, end: 0 });
    const outSpatial = spatial.map((size, i) =>
      Math.floor(
        (size + pads[i]!.begin + pads[i]!.end - dilations[i]! * (kernel[i]! - 1) - 1) / strides[i]!,
      ) + 1
    );
    const depth = spatialRank === 3
      ? {
        kD: kernel[0]!,
        outD: outSpatial[0]!,
        stride: strides[0]!,
        dilation: dilations[0]!,
        pad: pads[0]!.begin,
      }
      : undefined;
    const problem = {
      batch: batch * (depth?.outD ?? 1),
      inChannels: inChannels * (depth?.kD ?? 1),
      height,
      width,
      outChannels,
      kernelH,
      kernelW,
      strideH,
      strideW,
      padTop: padH.begin,
      padLeft: padW.begin,
      padBottom: padH.end,
      padRight: padW.end,
      dilationH,
      dilationW,
      groups: group,
      layout: nhwc ? "NHWC" : "NCHW",
      activation: act.kernel,
      bias: bias !== undefined,
      dtype,
    };
    const outShape = nhwc
      ? [batch, ...outSpatial, outChannels]
      : [batch, outChannels, ...outSpatial];
    const notes = [
      spatialRank === 1 ? "1-D as height 1" : "",
      depth
        ? `3-D: ${depth.kD} depth taps unfolded into channels on host, batch×${depth.outD}`
        : "",
      autoPad !== "NOTSET" ? `auto_pad ${autoPad}` : "",
      act.label,
    ].filter(Boolean);
    const key = `conv2d N${problem.batch} C${problem.inChannels} H${height} W${width} ` +
      `K${outChannels} R${kernelH} S${kernelW} stride${strideH}x${strideW} ` +
      `pad${padH.begin},${padW.begin},${padH.end},${padW.end} dil${dilationH}x${dilationW} ` +
      `g${group} ${problem.layout}${bias ? " +bias" : ""} ${dtype}`;
    return {
      mapping: key + (notes.length ? `; ${notes.join("; ")}` : ""),
      shapes: [outShape],
      async run(exec) {
        requireDtype(exec, dtype);
        let input = toFloat32(x);
        if (depth) {
          input = unfoldDepth(
            input,
            x.dims,
            depth.kD,
            depth.outD,
            depth.stride,
            depth.dilation,
            depth.pad,
          );
        }
        const inputs = [{ name: "input", data: input }, { name: "weight", data: toFloat32(w) }];
        if (bias) inputs.push({ name: "bias", data: toFloat32(bias) });
        // The weight [M, Cg, kD, kH, kW] is, byte for byte, the [M, Cg·kD, kH, kW] weight of the
        // unfolded input, whose channel ci·kD + kd holds depth tap kd of input channel ci.
        let y: ArrayLike<number> = await exec.run("conv2d", problem, inputs);
        if (depth) {
          // [N, Dout, M, Hout·Wout] → [N, M, Dout, Hout·Wout]
          y = transpose(y, [batch, depth.outD, outChannels, product(outSpatial.slice(1))], [
            0,
            2,
            1,
            3,
          ]);
        }
        return [act.host ? Float64Array.from(y, act.host) : y];
      },
    };
  },
};
