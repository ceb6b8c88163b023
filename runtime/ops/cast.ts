/**
 * Op generators of Cast and CastLike between the GPU storage types: floats (float, double,
 * float16 and bfloat16 values rounded to their precision, stored as f32) and integers and bools
 * (stored as i32). Float to integer truncates toward zero as ONNX specifies; narrow integer
 * targets wrap like a C cast; bool targets are 0/1.
 *
 * @module
 */
import { intAttr } from "./attributes.ts";
import { elementProgram, inBinding, outBinding, sizeOf } from "./_wgsl.ts";
import { dataTypeFromCode, type OnnxDataType } from "../../onnx/data_type.ts";
import {
  type GpuDtype,
  type OpGenerator,
  type OpNode,
  type OpPlan,
  UnsupportedOpError,
} from "./types.ts";

const F16_WGSL = `
fn round_f16(x: f32) -> f32 { return unpack2x16float(pack2x16float(vec2f(x, 0.0))).x; }
`;
const BF16_WGSL = `
fn round_bf16(x: f32) -> f32 {
  let b = bitcast<u32>(x);
  if ((b & 0x7fffffffu) > 0x7f800000u) { return x; }
  let r = b + 0x7fffu + ((b >> 16u) & 1u);
  return bitcast<f32>(r & 0xffff0000u);
}
`;

/** The WGSL expression casting `v` (stored as `from`) to ONNX type `to`, and helpers it needs. */
function castTo(v: string, from: GpuDtype, to: OnnxDataType): { expr: string; helpers: string } {
  const asInt = from === "f32" ? `i32(${v})` : v;
  switch (to) {
    case "float":
    case "double":
      return { expr: from === "f32" ? v : `f32(${v})`, helpers: "" };
    case "float16":
      return { expr: `round_f16(${from === "f32" ? v : `f32(${v})`})`, helpers: F16_WGSL };
    case "bfloat16":
      return { expr: `round_bf16(${from === "f32" ? v : `f32(${v})`})`, helpers: BF16_WGSL };
    case "bool":
      return { expr: `select(0i, 1i, ${v} != ${from === "f32" ? "0.0" : "0i"})`, helpers: "" };
    case "int32":
    case "int64":
    case "uint32":
    case "uint64":
      return { expr: asInt, helpers: "" };
    case "int16":
      return { expr: `((${asInt} << 16u) >> 16u)`, helpers: "" };
    case "uint16":
      return { expr: `(${asInt} & 65535i)`, helpers: "" };
    case "int8":
      return { expr: `((${asInt} << 24u) >> 24u)`, helpers: "" };
    case "uint8":
      return { expr: `(${asInt} & 255i)`, helpers: "" };
    default:
      throw new UnsupportedOpError("Cast", `target type ${to}`);
  }
}

function planCast(node: OpNode, to: OnnxDataType): OpPlan {
  const x = node.inputs[0];
  const y = node.outputs[0];
  if (!x || !y) throw new RangeError(`${node.opType}: needs input 0 and output 0`);
  const { expr, helpers } = castTo("in0[idx]", x.dtype, to);
  const total = sizeOf(y.dims);
  if (total !== sizeOf(x.dims)) {
    throw new RangeError(`${node.opType}: output dims [${y.dims.join(",")}] differ from input's`);
  }
  if (total === 0) return { programs: [], scratch: [] };
  return {
    programs: [elementProgram({
      key: `Cast|${x.dtype}|${to}`,
      bindings: [inBinding(0, x), outBinding(0, y)],
      total,
      body: `  out0[idx] = ${expr};`,
      helpers,
    })],
    scratch: [],
  };
}

/**
 * The Cast and CastLike op generators. CastLike takes its target from input 1's `elemType`
 * (else its storage type: float or int32).
 *
 * @example Plan a Cast from float to int64 (no GPU needed)
 * ```ts
 * import { castOps } from "./cast.ts";
 * const plan = castOps[0]!.plan({
 *   opType: "Cast",
 *   attributes: { to: { name: "to", docString: "", type: "int", value: 7 } },
 *   inputs: [{ dims: [3], dtype: "f32" }],
 *   outputs: [{ dims: [3], dtype: "i32" }],
 *   constants: [],
 * });
 * console.log(plan.programs.length); // 1
 * ```
 */
export const castOps: readonly OpGenerator[] = [
  {
    opTypes: ["Cast"],
    plan(node) {
      const code = intAttr(node.attributes, "to", 0);
      let to: OnnxDataType;
      try {
        to = dataTypeFromCode(code);
      } catch {
        throw new RangeError(`Cast: 'to' must be an ONNX data type code: it is ${code}`);
      }
      return planCast(node, to);
    },
  },
  {
    opTypes: ["CastLike"],
    plan(node) {
      const like = node.inputs[1];
      if (!like) throw new RangeError("CastLike: input 1 is required");
      const to = like.elemType ?? (like.dtype === "f32" ? "float" : "int32");
      const plan = planCast(node, to);
      return plan;
    },
  },
];
