/**
 * Op generators of elementwise ONNX ops: unary math and activations, binary arithmetic and
 * comparisons with numpy-style multidirectional broadcasting, variadic Max/Min/Sum/Mean, Clip
 * (bounds as optional inputs) and Where. One thread per output element; each input's broadcast
 * index arithmetic is baked into the WGSL as constants.
 *
 * f32 tensors compute in f32; integer and boolean tensors (stored as i32) compute in i32 for the
 * ops that define integer forms.
 *
 * @module
 */
import { floatAttr, intAttr, stringAttr } from "./attributes.ts";
import {
  broadcastDims,
  broadcastIndex,
  castExpr,
  elementProgram,
  ERF_WGSL,
  inBinding,
  lit,
  outBinding,
  sizeOf,
  TANH_WGSL,
} from "./_wgsl.ts";
import {
  type GpuDtype,
  type OpGenerator,
  type OpNode,
  type OpPlan,
  type TensorInfo,
  UnsupportedOpError,
} from "./types.ts";

/** Pow that follows C's `pow` for negative bases with integral exponents and zero bases. */
const POW_WGSL = `
fn pow_f32(x: f32, y: f32) -> f32 {
  if (y == 0.0) { return 1.0; }
  if (x == 0.0) { return select(f32_bits(0x7f800000u), 0.0, y > 0.0); }
  if (x > 0.0) { return exp2(y * log2(x)); }
  if (y != floor(y)) { return f32_bits(0x7fc00000u); }
  let m = exp2(y * log2(-x));
  return select(m, -m, abs(y % 2.0) == 1.0);
}
`;

const GELU_WGSL = `${ERF_WGSL}
fn gelu_erf(x: f32) -> f32 {
  if (x < -0.5) { return 0.5 * x * erfc_big(-x * 0.7071067811865476); }
  return 0.5 * x * (1.0 + erf_f32(x * 0.7071067811865476));
}
`;

interface UnarySpec {
  /** Result is boolean (stored as i32 0/1). */
  readonly bool?: boolean;
  /** Integer (i32) inputs allowed. */
  readonly ints?: boolean;
  /** Only integer/bool inputs allowed. */
  readonly intOnly?: boolean;
  /** Helper functions the expression calls. */
  readonly helpers?: string;
  /** The expression of `a` (of type `t`), given the node for attributes. */
  readonly expr: (a: string, t: GpuDtype, node: OpNode) => string;
}

const f = (v: number) => lit(v, "f32");

const UNARY: Readonly<Record<string, UnarySpec>> = {
  Relu: { ints: true, expr: (a, t) => `max(${a}, ${lit(0, t)})` },
  LeakyRelu: {
    expr: (a, _t, n) =>
      `select(${f(floatAttr(n.attributes, "alpha", 0.01))} * ${a}, ${a}, ${a} >= 0.0)`,
  },
  Elu: {
    expr: (a, _t, n) =>
      `select(${f(floatAttr(n.attributes, "alpha", 1))} * (exp(${a}) - 1.0), ${a}, ${a} >= 0.0)`,
  },
  Selu: {
    expr: (a, _t, n) => {
      const alpha = f(floatAttr(n.attributes, "alpha", 1.67326319217681884765625));
      const gamma = f(floatAttr(n.attributes, "gamma", 1.05070102214813232421875));
      return `${gamma} * select(${alpha} * (exp(${a}) - 1.0), ${a}, ${a} > 0.0)`;
    },
  },
  Sigmoid: { expr: (a) => `(1.0 / (1.0 + exp(-${a})))` },
  HardSigmoid: {
    expr: (a, _t, n) =>
      `clamp(${f(floatAttr(n.attributes, "alpha", 0.2))} * ${a} + ${
        f(floatAttr(n.attributes, "beta", 0.5))
      }, 0.0, 1.0)`,
  },
  HardSwish: { expr: (a) => `(${a} * clamp(${a} * ${f(1 / 6)} + 0.5, 0.0, 1.0))` },
  Tanh: { helpers: TANH_WGSL, expr: (a) => `tanh_f32(${a})` },
  Erf: { helpers: ERF_WGSL, expr: (a) => `erf_f32(${a})` },
  Gelu: {
    helpers: `${GELU_WGSL}${TANH_WGSL}`,
    expr: (a, _t, n) => {
      const approximate = stringAttr(n.attributes, "approximate", "none");
      if (approximate === "none") return `gelu_erf(${a})`;
      if (approximate === "tanh") {
        return `(0.5 * ${a} * (1.0 + tanh_f32(${f(Math.sqrt(2 / Math.PI))} * (${a} + ${
          f(0.044715)
        } * ${a} * ${a} * ${a}))))`;
      }
      throw new RangeError(`Gelu: 'approximate' must be 'none' or 'tanh': it is '${approximate}'`);
    },
  },
  Softplus: { expr: (a) => `(max(${a}, 0.0) + log(1.0 + exp(-abs(${a}))))` },
  Softsign: { expr: (a) => `(${a} / (1.0 + abs(${a})))` },
  Celu: {
    expr: (a, _t, n) => {
      const alpha = f(floatAttr(n.attributes, "alpha", 1));
      return `(max(${a}, 0.0) + min(0.0, ${alpha} * (exp(${a} / ${alpha}) - 1.0)))`;
    },
  },
  ThresholdedRelu: {
    expr: (a, _t, n) => `select(0.0, ${a}, ${a} > ${f(floatAttr(n.attributes, "alpha", 1))})`,
  },
  Mish: {
    helpers: TANH_WGSL,
    expr: (a) => `(${a} * tanh_f32(max(${a}, 0.0) + log(1.0 + exp(-abs(${a})))))`,
  },
  Sqrt: { expr: (a) => `sqrt(${a})` },
  Exp: { expr: (a) => `exp(${a})` },
  Log: { expr: (a) => `log(${a})` },
  Sin: { expr: (a) => `sin(${a})` },
  Cos: { expr: (a) => `cos(${a})` },
  Tan: { expr: (a) => `tan(${a})` },
  // llvmpipe's asin/acos are off by 1e-4; atan2 is accurate.
  Asin: { expr: (a) => `atan2(${a}, sqrt((1.0 - ${a}) * (1.0 + ${a})))` },
  Acos: { expr: (a) => `atan2(sqrt((1.0 - ${a}) * (1.0 + ${a})), ${a})` },
  Atan: { expr: (a) => `atan(${a})` },
  Sinh: { expr: (a) => `sinh(${a})` },
  Cosh: { expr: (a) => `cosh(${a})` },
  Asinh: { expr: (a) => `asinh(${a})` },
  Acosh: { expr: (a) => `acosh(${a})` },
  Atanh: { expr: (a) => `atanh(${a})` },
  // Bit tests: llvmpipe folds x != x to false.
  IsNaN: { bool: true, expr: (a) => `((bitcast<u32>(${a}) & 0x7fffffffu) > 0x7f800000u)` },
  IsInf: {
    bool: true,
    expr: (a, _t, n) => {
      const pos = intAttr(n.attributes, "detect_positive", 1) === 1;
      const neg = intAttr(n.attributes, "detect_negative", 1) === 1;
      const tests = [...(pos ? ["0x7f800000u"] : []), ...(neg ? ["0xff800000u"] : [])];
      return tests.length === 0
        ? "false"
        : `(${tests.map((b) => `bitcast<u32>(${a}) == ${b}`).join(" || ")})`;
    },
  },
  Floor: { expr: (a) => `floor(${a})` },
  Ceil: { expr: (a) => `ceil(${a})` },
  Round: { expr: (a) => `round(${a})` },
  Reciprocal: { expr: (a) => `(1.0 / ${a})` },
  Neg: { ints: true, expr: (a) => `(-${a})` },
  Abs: { ints: true, expr: (a) => `abs(${a})` },
  Sign: { ints: true, expr: (a) => `sign(${a})` },
  Identity: { ints: true, expr: (a) => a },
  Not: { intOnly: true, expr: (a) => `select(1i, 0i, ${a} != 0i)` },
};

interface BinarySpec {
  readonly ints?: boolean;
  readonly floats?: boolean;
  readonly helpers?: string;
  /** Result is boolean (stored as i32 0/1). */
  readonly bool?: boolean;
  readonly expr: (a: string, b: string, t: GpuDtype, node: OpNode) => string;
}

const BINARY: Readonly<Record<string, BinarySpec>> = {
  Add: { ints: true, expr: (a, b) => `(${a} + ${b})` },
  Sub: { ints: true, expr: (a, b) => `(${a} - ${b})` },
  Mul: { ints: true, expr: (a, b) => `(${a} * ${b})` },
  Div: { ints: true, expr: (a, b) => `(${a} / ${b})` },
  Pow: { ints: true, helpers: POW_WGSL, expr: (a, b) => `pow_f32(${a}, ${b})` },
  PRelu: { ints: true, expr: (a, b, t) => `select(${a} * ${b}, ${a}, ${a} >= ${lit(0, t)})` },
  Mod: {
    ints: true,
    expr: (a, b, t, n) => {
      const fmod = intAttr(n.attributes, "fmod", 0);
      if (t === "f32") {
        if (fmod !== 1) {
          throw new RangeError(`Mod: 'fmod' must be 1 for float inputs: it is ${fmod}`);
        }
        return `(${a} - ${b} * trunc(${a} / ${b}))`;
      }
      return fmod === 1 ? `(${a} % ${b})` : `mod_floor(${a}, ${b})`;
    },
    helpers: `
fn mod_floor(a: i32, b: i32) -> i32 {
  let r = a % b;
  return select(r, r + b, r != 0i && ((r < 0i) != (b < 0i)));
}
`,
  },
  Equal: { ints: true, bool: true, expr: (a, b) => `(${a} == ${b})` },
  Less: { ints: true, bool: true, expr: (a, b) => `(${a} < ${b})` },
  LessOrEqual: { ints: true, bool: true, expr: (a, b) => `(${a} <= ${b})` },
  Greater: { ints: true, bool: true, expr: (a, b) => `(${a} > ${b})` },
  GreaterOrEqual: { ints: true, bool: true, expr: (a, b) => `(${a} >= ${b})` },
  And: { floats: false, bool: true, expr: (a, b) => `((${a} != 0i) && (${b} != 0i))` },
  Or: { floats: false, bool: true, expr: (a, b) => `((${a} != 0i) || (${b} != 0i))` },
  Xor: { floats: false, bool: true, expr: (a, b) => `((${a} != 0i) != (${b} != 0i))` },
};

const VARIADIC: Readonly<Record<string, (v: readonly string[], t: GpuDtype) => string>> = {
  Max: (v) => v.slice(1).reduce((acc, x) => `max(${acc}, ${x})`, v[0]!),
  Min: (v) => v.slice(1).reduce((acc, x) => `min(${acc}, ${x})`, v[0]!),
  Sum: (v) => `(${v.join(" + ")})`,
  Mean: (v, t) => `((${v.join(" + ")}) / ${lit(v.length, t)})`,
};

function info(node: OpNode, i: number): TensorInfo {
  const t = node.inputs[i];
  if (!t) throw new RangeError(`${node.opType}: input ${i} is required`);
  return t;
}

/**
 * Plans `out0[idx] = expr` where `expr` reads the values of the present inputs `used` (broadcast
 * to the output) through the names `load(i)` gives.
 */
function planMap(
  node: OpNode,
  used: readonly number[],
  expr: (load: (i: number) => string) => string,
  helpers = "",
): OpPlan {
  const out = node.outputs[0];
  if (!out) throw new RangeError(`${node.opType}: the node has no output`);
  const shapes = used.map((i) => info(node, i).dims);
  const dims = broadcastDims(node.opType, shapes);
  if (dims.length !== out.dims.length || dims.some((d, k) => d !== out.dims[k])) {
    throw new RangeError(
      `${node.opType}: output dims [${out.dims.join(",")}] differ from the broadcast [${
        dims.join(",")
      }]`,
    );
  }
  const total = sizeOf(out.dims);
  if (total === 0) return { programs: [], scratch: [] };
  const bindings = [...used.map((i) => inBinding(i, info(node, i))), outBinding(0, out)];
  const loads = used.map((i) =>
    `  let v${i} = in${i}[${broadcastIndex(info(node, i).dims, out.dims, "idx")}];`
  );
  const body = `${loads.join("\n")}\n  out0[idx] = ${expr((i) => `v${i}`)};`;
  const program = elementProgram({
    key: `${node.opType}|${out.dims.join("x")}|${body}|${helpers.length}`,
    bindings,
    total,
    body,
    helpers,
  });
  return { programs: [program], scratch: [] };
}

function requireType(node: OpNode, t: GpuDtype, ints: boolean, floats: boolean) {
  if ((t === "i32" && !ints) || (t === "f32" && !floats)) {
    throw new UnsupportedOpError(node.opType, `${t === "i32" ? "integer" : "float"} input`);
  }
}

const unaryOps: OpGenerator = {
  opTypes: Object.keys(UNARY),
  plan(node) {
    const spec = UNARY[node.opType]!;
    const t = info(node, 0).dtype;
    requireType(node, t, spec.ints === true || spec.intOnly === true, spec.intOnly !== true);
    const outType = node.outputs[0]?.dtype ?? t;
    return planMap(
      node,
      [0],
      (load) =>
        spec.bool
          ? `select(0i, 1i, ${spec.expr(load(0), t, node)})`
          : castExpr(spec.expr(load(0), t, node), t, outType),
      spec.helpers,
    );
  },
};

const binaryOps: OpGenerator = {
  opTypes: Object.keys(BINARY),
  plan(node) {
    const spec = BINARY[node.opType]!;
    const t = info(node, 0).dtype;
    const tb = info(node, 1).dtype;
    requireType(node, t, spec.ints !== false, spec.floats !== false);
    const outType = node.outputs[0]?.dtype ?? t;
    if (node.opType === "Pow") {
      // The exponent may have another type than the base (float base, integer exponent, ...).
      return planMap(
        node,
        [0, 1],
        (load) =>
          castExpr(
            outType === "i32"
              ? `round(pow_f32(${castExpr(load(0), t, "f32")}, ${castExpr(load(1), tb, "f32")}))`
              : `pow_f32(${castExpr(load(0), t, "f32")}, ${castExpr(load(1), tb, "f32")})`,
            "f32",
            outType,
          ),
        POW_WGSL,
      );
    }
    if (t !== tb) {
      throw new RangeError(`${node.opType}: input types differ: ${t} and ${tb}`);
    }
    return planMap(node, [0, 1], (load) => {
      const result = spec.expr(load(0), load(1), t, node);
      return spec.bool ? `select(0i, 1i, ${result})` : castExpr(result, t, outType);
    }, spec.helpers);
  },
};

const variadicOps: OpGenerator = {
  opTypes: Object.keys(VARIADIC),
  plan(node) {
    const used = node.inputs.flatMap((x, i) => (x ? [i] : []));
    if (used.length === 0) throw new RangeError(`${node.opType}: needs at least one input`);
    const t = info(node, used[0]!).dtype;
    if (used.some((i) => info(node, i).dtype !== t)) {
      throw new RangeError(`${node.opType}: inputs must share one type`);
    }
    const outType = node.outputs[0]?.dtype ?? t;
    return planMap(
      node,
      used,
      (load) => castExpr(VARIADIC[node.opType]!(used.map(load), t), t, outType),
    );
  },
};

const clipOp: OpGenerator = {
  opTypes: ["Clip"],
  plan(node) {
    const t = info(node, 0).dtype;
    const used = node.inputs.flatMap((x, i) => (x && i < 3 ? [i] : []));
    // Opset 6 keeps the bounds in attributes; graph normalization usually turns them into inputs.
    const attr = (name: string) =>
      node.attributes[name] ? lit(floatAttr(node.attributes, name, 0), t) : undefined;
    const lo = attr("min");
    const hi = attr("max");
    return planMap(node, used, (load) => {
      let e = load(0);
      if (node.inputs[1]) e = `max(${e}, ${load(1)})`;
      else if (lo) e = `max(${e}, ${lo})`;
      if (node.inputs[2]) e = `min(${e}, ${load(2)})`;
      else if (hi) e = `min(${e}, ${hi})`;
      return castExpr(e, t, node.outputs[0]?.dtype ?? t);
    });
  },
};

const whereOp: OpGenerator = {
  opTypes: ["Where"],
  plan(node) {
    const t = info(node, 1).dtype;
    if (info(node, 2).dtype !== t) throw new RangeError(`Where: X and Y types differ`);
    return planMap(
      node,
      [0, 1, 2],
      (load) =>
        castExpr(
          `select(${load(2)}, ${load(1)}, ${load(0)} != ${lit(0, info(node, 0).dtype)})`,
          t,
          node.outputs[0]?.dtype ?? t,
        ),
    );
  },
};

const expandOp: OpGenerator = {
  opTypes: ["Expand"],
  plan(node) {
    const x = info(node, 0);
    const out = node.outputs[0];
    if (!out) throw new RangeError("Expand: the node has no output");
    const shape = node.constants[1] ?? out.dims;
    const dims = broadcastDims("Expand", [x.dims, shape]);
    if (dims.length !== out.dims.length || dims.some((d, k) => d !== out.dims[k])) {
      throw new RangeError(
        `Expand: output dims [${out.dims.join(",")}] differ from the broadcast [${dims.join(",")}]`,
      );
    }
    const total = sizeOf(out.dims);
    if (total === 0) return { programs: [], scratch: [] };
    const body = `  out0[idx] = ${
      castExpr(`in0[${broadcastIndex(x.dims, out.dims, "idx")}]`, x.dtype, out.dtype)
    };`;
    return {
      programs: [elementProgram({
        key: `Expand|${out.dims.join("x")}|${body}`,
        bindings: [inBinding(0, x), outBinding(0, out)],
        total,
        body,
      })],
      scratch: [],
    };
  },
};

/**
 * The elementwise op generators: unary ({@linkcode UNARY} keys such as Relu, Sigmoid, Gelu, Erf),
 * binary with broadcasting (Add Sub Mul Div Pow PRelu Mod and comparisons), variadic
 * (Max Min Sum Mean), Clip, Where and Expand (a broadcast copy).
 *
 * @example Plan an Add of a matrix and a row (no GPU needed)
 * ```ts
 * import { elementwiseOps } from "./elementwise.ts";
 * const add = elementwiseOps.find((g) => g.opTypes.includes("Add"))!;
 * const plan = add.plan({
 *   opType: "Add",
 *   attributes: {},
 *   inputs: [{ dims: [2, 3], dtype: "f32" }, { dims: [3], dtype: "f32" }],
 *   outputs: [{ dims: [2, 3], dtype: "f32" }],
 *   constants: [],
 * });
 * console.log(plan.programs.length); // 1
 * ```
 */
export const elementwiseOps: readonly OpGenerator[] = [
  unaryOps,
  binaryOps,
  variadicOps,
  clipOp,
  whereOp,
  expandOp,
];
