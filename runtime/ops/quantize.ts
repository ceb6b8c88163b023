/**
 * Op generators of QuantizeLinear and DequantizeLinear, per tensor and per axis, computed in f32
 * with quantized values stored one per i32 element:
 * `q = saturate(roundHalfEven(x / scale) + zeroPoint)` and `x = (q - zeroPoint) * scale`.
 *
 * Scale and zero point are scalars (per tensor), 1-D along `axis` (per axis) or, with
 * `block_size` > 0, x's shape with `ceil(dim / block_size)` along `axis` (blocked). The saturation
 * range comes from the quantized type: the output's (or the zero point's) `elemType`, else the
 * `output_dtype` attribute, else uint8 as ONNX defaults. Float8 and float4 types go to the
 * fallback.
 *
 * @module
 */
import { intAttr } from "./attributes.ts";
import { elementProgram, inBinding, lit, normAxis, outBinding, sizeOf } from "./_wgsl.ts";
import { dataTypeFromCode, type OnnxDataType } from "../../onnx/data_type.ts";
import {
  type OpGenerator,
  type OpNode,
  type OpPlan,
  type TensorInfo,
  UnsupportedOpError,
} from "./types.ts";

/** Saturation ranges of the integer types QuantizeLinear produces. */
const RANGES: Partial<Record<OnnxDataType, readonly [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  uint16: [0, 65535],
  int16: [-32768, 32767],
  uint4: [0, 15],
  int4: [-8, 7],
  uint2: [0, 3],
  int2: [-2, 1],
};

function input(node: OpNode, i: number): TensorInfo {
  const t = node.inputs[i];
  if (!t) throw new RangeError(`${node.opType}: input ${i} is required`);
  return t;
}

/**
 * The WGSL expression of the per-element index into scale and zero point: `0u` per tensor, the
 * coordinate along `axis` per axis.
 */
function paramIndex(node: OpNode, x: TensorInfo, scale: TensorInfo): string {
  const count = sizeOf(scale.dims);
  const blockSize = intAttr(node.attributes, "block_size", 0);
  if (blockSize === 0 && (scale.dims.length === 0 || count === 1)) return "0u";
  const axis = normAxis(node.opType, intAttr(node.attributes, "axis", 1), x.dims.length);
  const channels = x.dims[axis]!;
  const inner = sizeOf(x.dims.slice(axis + 1));
  if (blockSize > 0) {
    // Blocked: scale has x's shape with ceil(channels / blockSize) along axis.
    const blocks = Math.ceil(channels / blockSize);
    const want = x.dims.map((d, k) => (k === axis ? blocks : d));
    if (scale.dims.length !== want.length || scale.dims.some((d, k) => d !== want[k])) {
      throw new RangeError(
        `${node.opType}: scale dims [${scale.dims.join(",")}] must be [${want.join(",")}]`,
      );
    }
    return `(idx / ${channels * inner}u) * ${
      blocks * inner
    }u + ((idx / ${inner}u) % ${channels}u) / ${blockSize}u * ${inner}u + idx % ${inner}u`;
  }
  if (scale.dims.length !== 1 || count !== channels) {
    throw new RangeError(
      `${node.opType}: scale dims [${
        scale.dims.join(",")
      }] must be [] or [${channels}] (axis ${axis})`,
    );
  }
  return inner === 1 ? `idx % ${channels}u` : `(idx / ${inner}u) % ${channels}u`;
}

function quantizedType(node: OpNode): OnnxDataType {
  const known = node.outputs[0]?.elemType ?? node.inputs[2]?.elemType;
  if (known) return known;
  const code = intAttr(node.attributes, "output_dtype", 0);
  return code === 0 ? "uint8" : dataTypeFromCode(code);
}

function planQuantize(node: OpNode): OpPlan {
  const x = input(node, 0);
  const scale = input(node, 1);
  const zp = node.inputs[2];
  const y = node.outputs[0];
  if (!y) throw new RangeError("QuantizeLinear: output 0 is required");
  if (x.dtype !== "f32") throw new UnsupportedOpError(node.opType, "integer input");
  const type = quantizedType(node);
  const range = RANGES[type];
  if (!range) throw new UnsupportedOpError(node.opType, `output type ${type}`);
  const total = sizeOf(x.dims);
  if (total === 0) return { programs: [], scratch: [] };
  const p = paramIndex(node, x, scale);
  const bindings = [inBinding(0, x), inBinding(1, scale)];
  if (zp) bindings.push(inBinding(2, zp));
  bindings.push(outBinding(0, y));
  const zero = zp ? "f32(in2[pi])" : "0.0";
  const body = `  let pi = ${p};
  let q = round(in0[idx] / in1[pi]) + ${zero};
  out0[idx] = i32(clamp(q, ${lit(range[0], "f32")}, ${lit(range[1], "f32")}));`;
  return {
    programs: [elementProgram({
      key: `QuantizeLinear|${type}|${body}`,
      bindings,
      total,
      body,
    })],
    scratch: [],
  };
}

function planDequantize(node: OpNode): OpPlan {
  const x = input(node, 0);
  const scale = input(node, 1);
  const zp = node.inputs[2];
  const y = node.outputs[0];
  if (!y) throw new RangeError("DequantizeLinear: output 0 is required");
  if (x.dtype !== "i32") throw new UnsupportedOpError(node.opType, "float (float8) input");
  const total = sizeOf(x.dims);
  if (total === 0) return { programs: [], scratch: [] };
  const p = paramIndex(node, x, scale);
  const bindings = [inBinding(0, x), inBinding(1, scale)];
  if (zp) bindings.push(inBinding(2, zp));
  bindings.push(outBinding(0, y));
  const body = `  let pi = ${p};
  out0[idx] = f32(in0[idx]${zp ? " - in2[pi]" : ""}) * in1[pi];`;
  return {
    programs: [elementProgram({ key: `DequantizeLinear|${body}`, bindings, total, body })],
    scratch: [],
  };
}

/**
 * The QuantizeLinear and DequantizeLinear op generators (per tensor, per axis and blocked; f32
 * compute).
 *
 * @example Plan a per-channel DequantizeLinear (no GPU needed)
 * ```ts
 * import { quantizeOps } from "./quantize.ts";
 * const dq = quantizeOps.find((g) => g.opTypes.includes("DequantizeLinear"))!;
 * const plan = dq.plan({
 *   opType: "DequantizeLinear",
 *   attributes: {},
 *   inputs: [{ dims: [1, 8, 4, 4], dtype: "i32" }, { dims: [8], dtype: "f32" }],
 *   outputs: [{ dims: [1, 8, 4, 4], dtype: "f32" }],
 *   constants: [],
 * });
 * console.log(plan.programs.length); // 1
 * ```
 */
export const quantizeOps: readonly OpGenerator[] = [
  { opTypes: ["QuantizeLinear"], plan: planQuantize },
  { opTypes: ["DequantizeLinear"], plan: planDequantize },
];
