/**
 * Opset normalization: rewrites the nodes of opsets 7–20 into the form of the newest opset, so that
 * shape inference and the op generators implement one form per op. The attribute forms of old
 * opsets become inputs (Clip `min`/`max`, Slice `starts`/`ends`/`axes`, Squeeze/Unsqueeze and the
 * Reduce ops' `axes`, Split `split`, Pad `pads`/`value`, TopK `k`); Upsample and Resize-10 become
 * Resize with their asymmetric/floor semantics; Softmax, LogSoftmax and Hardmax before opset 13
 * (which flatten the input to 2-D at `axis`) keep their meaning, as a single-axis node when the
 * axis is the last one and as Flatten → op → Reshape otherwise; BatchNormalization loses `spatial`
 * (when 1) and `consumed_inputs`; Dropout becomes Identity (inference) with the mask onnxruntime
 * gives where the mask is used (all zeros before opset 12, all true from 12 on); Scatter becomes ScatterElements; GridSample and RoiAlign get their
 * old defaults spelled out. Empty constant `roi`/`scales`/`sizes` of Resize become omitted inputs.
 * Subgraphs (If, Loop, Scan) are normalized too. The default-domain opset of the result is raised
 * to {@linkcode NORMALIZED_OPSET} when lower.
 *
 * @module
 */
import type { OnnxAttribute, OnnxAttributes, OnnxAttributeValue } from "../onnx/graph.ts";
import type { OnnxDataType } from "../onnx/data_type.ts";
import type { OnnxGraph, OnnxNode } from "../onnx/graph.ts";
import type { OnnxTensor } from "../onnx/tensor.ts";
import { constantTensor, int64Data } from "./from_model.ts";
import { cloneGraph, type Graph, graphOpset, setGraphOpset, uniqueName, usedNames } from "./ir.ts";

/** The default-domain opset a normalized graph declares (at least). */
export const NORMALIZED_OPSET = 21;

interface NodeLike {
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: OnnxAttributes;
}

/** What a rewrite needs from the graph around the node. */
interface Context {
  readonly opset: number;
  /** Adds a constant tensor and returns its value name. */
  constant(base: string, dataType: OnnxDataType, dims: number[], values: readonly number[]): string;
  /** A fresh value name. */
  fresh(base: string): string;
  /** Element type and rank of a value, where known. */
  typeOf(name: string): { dataType?: OnnxDataType | undefined; rank?: number | undefined };
  /** Whether a value is a constant with no elements. */
  isEmptyConstant(name: string): boolean;
  /** The values of a numeric constant, where it is one. */
  valuesOf(name: string): number[] | undefined;
  /** Normalizes a subgraph. */
  subgraph(graph: OnnxGraph): OnnxGraph;
}

function attr(name: string, value: OnnxAttributeValue): OnnxAttribute {
  return { name, docString: "", ...value } as OnnxAttribute;
}

function without(attributes: OnnxAttributes, ...names: string[]): Record<string, OnnxAttribute> {
  const out: Record<string, OnnxAttribute> = {};
  for (const [k, v] of Object.entries(attributes)) if (!names.includes(k)) out[k] = v;
  return out;
}

function ints(attributes: OnnxAttributes, name: string): readonly number[] | undefined {
  const a = attributes[name];
  return a && a.type === "ints" ? a.value : undefined;
}

function num(attributes: OnnxAttributes, name: string): number | undefined {
  const a = attributes[name];
  return a && (a.type === "int" || a.type === "float") ? a.value : undefined;
}

function str(attributes: OnnxAttributes, name: string): string | undefined {
  const a = attributes[name];
  return a && a.type === "string" ? a.value : undefined;
}

/** Trims trailing empty input names (omitted optional inputs at the end). */
function trimInputs(inputs: readonly string[]): string[] {
  const out = [...inputs];
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  return out;
}

const REDUCE_18 = new Set([
  "ReduceMean",
  "ReduceMax",
  "ReduceMin",
  "ReduceProd",
  "ReduceL1",
  "ReduceL2",
  "ReduceLogSum",
  "ReduceLogSumExp",
  "ReduceSumSquare",
]);

/** Rewrites one default-domain node; returns the nodes replacing it. */
function rewrite(node: NodeLike, ctx: Context): NodeLike[] {
  const { opType, attributes: a } = node;
  const opset = ctx.opset;
  const withInputs = (inputs: string[], attributes: OnnxAttributes): NodeLike => ({
    ...node,
    inputs: trimInputs(inputs),
    attributes,
  });
  const int64s = (base: string, values: readonly number[]) =>
    ctx.constant(`${node.outputs[0] ?? base}_${base}`, "int64", [values.length], values);
  switch (opType) {
    case "Clip": {
      if (!("min" in a) && !("max" in a)) return [node];
      const dataType = ctx.typeOf(node.inputs[0]!).dataType ?? "float";
      const scalar = (name: string) => {
        const v = num(a, name);
        return v === undefined ? "" : ctx.constant(`${node.outputs[0]}_${name}`, dataType, [], [v]);
      };
      return [
        withInputs([node.inputs[0]!, scalar("min"), scalar("max")], without(a, "min", "max")),
      ];
    }
    case "Slice": {
      const starts = ints(a, "starts");
      if (!starts) return [node];
      const ends = ints(a, "ends") ?? [];
      const axes = ints(a, "axes");
      return [withInputs(
        [
          node.inputs[0]!,
          int64s("starts", starts),
          int64s("ends", ends),
          axes ? int64s("axes", axes) : "",
        ],
        without(a, "starts", "ends", "axes"),
      )];
    }
    case "Squeeze":
    case "Unsqueeze": {
      const axes = ints(a, "axes");
      if (!axes) return [node];
      return [withInputs([node.inputs[0]!, int64s("axes", axes)], without(a, "axes"))];
    }
    case "Split": {
      const split = ints(a, "split");
      if (split) {
        return [withInputs([node.inputs[0]!, int64s("split", split)], without(a, "split"))];
      }
      if ((node.inputs[1] ?? "") === "" && !("num_outputs" in a)) {
        return [{
          ...node,
          inputs: [node.inputs[0]!],
          attributes: {
            ...a,
            num_outputs: attr("num_outputs", { type: "int", value: node.outputs.length }),
          },
        }];
      }
      return [node];
    }
    case "Pad": {
      const pads = ints(a, "pads") ?? ints(a, "paddings");
      if (!pads) return [node];
      const mode = str(a, "mode") ?? "constant";
      const value = num(a, "value") ?? 0;
      const dataType = ctx.typeOf(node.inputs[0]!).dataType ?? "float";
      const inputs = [node.inputs[0]!, int64s("pads", pads)];
      if (mode === "constant" && value !== 0) {
        inputs.push(ctx.constant(`${node.outputs[0]}_value`, dataType, [], [value]));
      }
      return [withInputs(inputs, without(a, "pads", "paddings", "value"))];
    }
    case "TopK": {
      const k = num(a, "k");
      if (k === undefined) return [node];
      return [withInputs([node.inputs[0]!, int64s("k", [k])], without(a, "k"))];
    }
    case "ReduceSum":
    case "ReduceMean":
    case "ReduceMax":
    case "ReduceMin":
    case "ReduceProd":
    case "ReduceL1":
    case "ReduceL2":
    case "ReduceLogSum":
    case "ReduceLogSumExp":
    case "ReduceSumSquare": {
      if (opType !== "ReduceSum" && !REDUCE_18.has(opType)) return [node];
      const axes = ints(a, "axes");
      if (!axes) return [node];
      return [withInputs([node.inputs[0]!, int64s("axes", axes)], without(a, "axes"))];
    }
    case "Upsample": {
      const given = str(a, "mode") ?? "nearest";
      const mode = given === "bilinear" ? "linear" : given; // Upsample-7 also spelled it so
      const scalesAttr = a.scales && a.scales.type === "floats" ? a.scales.value : undefined;
      const scales = scalesAttr
        ? ctx.constant(`${node.outputs[0]}_scales`, "float", [scalesAttr.length], scalesAttr)
        : node.inputs[1] ?? "";
      return resizeAsymmetric(node, mode, scales, ctx);
    }
    case "Resize": {
      if (opset < 11) {
        return resizeAsymmetric(node, str(a, "mode") ?? "nearest", node.inputs[1] ?? "", ctx);
      }
      const inputs = [...node.inputs];
      for (const i of [1, 2, 3]) {
        const name = inputs[i];
        if (name && ctx.isEmptyConstant(name)) inputs[i] = "";
      }
      return [withInputs(inputs, a)];
    }
    case "BatchNormalization": {
      if ((num(a, "spatial") ?? 1) !== 1) return [node];
      const attributes = without(a, "spatial", "consumed_inputs", "is_test");
      // Inference: the running statistics outputs of old opsets are dropped when unused names.
      return [{ ...node, attributes }];
    }
    case "Dropout": {
      const out: NodeLike[] = [{
        ...node,
        opType: "Identity",
        inputs: [node.inputs[0]!],
        outputs: [node.outputs[0]!],
        attributes: {},
      }];
      const mask = node.outputs[1];
      if (mask) {
        const shape = ctx.fresh(`${mask}_shape`);
        const boolMask = opset >= 10;
        // onnxruntime's Dropout before opset 12 is an identity whose mask is all zeros; from
        // opset 12 on the inference mask is all true (nothing dropped).
        const fill = opset >= 12 ? 1 : 0;
        const dataType = boolMask ? "bool" : ctx.typeOf(node.inputs[0]!).dataType ?? "float";
        out.push(
          {
            name: `${node.name}_shape`,
            opType: "Shape",
            domain: "",
            inputs: [node.inputs[0]!],
            outputs: [shape],
            attributes: {},
          },
          {
            name: `${node.name}_mask`,
            opType: "ConstantOfShape",
            domain: "",
            inputs: [shape],
            outputs: [mask],
            attributes: {
              value: attr("value", {
                type: "tensor",
                value: {
                  name: "",
                  dataType,
                  dims: [1],
                  data: dataType === "bool"
                    ? Uint8Array.of(fill)
                    : dataType === "double"
                    ? Float64Array.of(fill)
                    : Float32Array.of(fill),
                  docString: "",
                } as OnnxTensor,
              }),
            },
          },
        );
      }
      return out;
    }
    case "Softmax":
    case "LogSoftmax":
    case "Hardmax": {
      if (opset >= 13) return [node];
      const axis = num(a, "axis") ?? 1;
      const rank = ctx.typeOf(node.inputs[0]!).rank;
      const last = rank !== undefined && (axis === -1 || axis === rank - 1);
      if (last) {
        return [{ ...node, attributes: { axis: attr("axis", { type: "int", value: -1 }) } }];
      }
      const x = node.inputs[0]!;
      const y = node.outputs[0]!;
      const flat = ctx.fresh(`${y}_flat`);
      const flatOut = ctx.fresh(`${y}_2d`);
      const shape = ctx.fresh(`${y}_shape`);
      return [
        {
          name: `${node.name}_flatten`,
          opType: "Flatten",
          domain: "",
          inputs: [x],
          outputs: [flat],
          attributes: { axis: attr("axis", { type: "int", value: axis }) },
        },
        {
          ...node,
          inputs: [flat],
          outputs: [flatOut],
          attributes: { axis: attr("axis", { type: "int", value: -1 }) },
        },
        {
          name: `${node.name}_shape`,
          opType: "Shape",
          domain: "",
          inputs: [x],
          outputs: [shape],
          attributes: {},
        },
        {
          name: `${node.name}_reshape`,
          opType: "Reshape",
          domain: "",
          inputs: [flatOut, shape],
          outputs: [y],
          attributes: {},
        },
      ];
    }
    case "Scatter":
      return [{ ...node, opType: "ScatterElements" }];
    case "GridSample": {
      if (opset >= 20) return [node];
      const mode = str(a, "mode") ?? "bilinear";
      const renamed = mode === "bilinear" ? "linear" : mode === "bicubic" ? "cubic" : mode;
      return [{
        ...node,
        attributes: { ...a, mode: attr("mode", { type: "string", value: renamed }) },
      }];
    }
    case "RoiAlign": {
      if (opset >= 16 || "coordinate_transformation_mode" in a) return [node];
      return [{
        ...node,
        attributes: {
          ...a,
          coordinate_transformation_mode: attr("coordinate_transformation_mode", {
            type: "string",
            value: "output_half_pixel",
          }),
        },
      }];
    }
    default:
      return [node];
  }
}

/**
 * Upsample and Resize-10 as the newest Resize with asymmetric coordinates. For nearest, onnxruntime
 * rounds source positions down on axes that upsample and up on axes that downsample; known scales
 * that do both become two Resize nodes (nearest is separable), unknown ones are taken as upsampling.
 */
function resizeAsymmetric(node: NodeLike, mode: string, scales: string, ctx: Context): NodeLike[] {
  const make = (nearest: string, x: string, y: string, s: string, name: string): NodeLike => {
    const attributes: Record<string, OnnxAttribute> = {
      mode: attr("mode", { type: "string", value: mode }),
      coordinate_transformation_mode: attr("coordinate_transformation_mode", {
        type: "string",
        value: "asymmetric",
      }),
    };
    if (mode === "nearest") {
      attributes.nearest_mode = attr("nearest_mode", { type: "string", value: nearest });
    }
    return { ...node, name, opType: "Resize", inputs: [x, "", s], outputs: [y], attributes };
  };
  const x = node.inputs[0]!;
  const y = node.outputs[0]!;
  const values = mode === "nearest" ? ctx.valuesOf(scales) : undefined;
  if (!values || values.every((v) => v >= 1)) return [make("floor", x, y, scales, node.name)];
  if (values.every((v) => v <= 1)) return [make("ceil", x, y, scales, node.name)];
  const down = ctx.constant(
    `${y}_down_scales`,
    "float",
    [values.length],
    values.map((v) => Math.min(v, 1)),
  );
  const up = ctx.constant(
    `${y}_up_scales`,
    "float",
    [values.length],
    values.map((v) => Math.max(v, 1)),
  );
  const mid = ctx.fresh(`${y}_down`);
  return [make("ceil", x, mid, down, `${node.name}_down`), make("floor", mid, y, up, node.name)];
}

/** Normalizes subgraph attributes of a node. */
function withSubgraphs(node: NodeLike, ctx: Context): NodeLike {
  let changed = false;
  const attributes: Record<string, OnnxAttribute> = {};
  for (const [k, v] of Object.entries(node.attributes)) {
    if (v.type === "graph") {
      attributes[k] = { ...v, value: ctx.subgraph(v.value) };
      changed = true;
    } else if (v.type === "graphs") {
      attributes[k] = { ...v, value: v.value.map((g) => ctx.subgraph(g)) };
      changed = true;
    } else {
      attributes[k] = v;
    }
  }
  return changed ? { ...node, attributes } : node;
}

function rewriteAll(nodes: readonly NodeLike[], ctx: Context): NodeLike[] {
  const out: NodeLike[] = [];
  for (const node of nodes) {
    const n = withSubgraphs(node, ctx);
    if (n.domain === "" || n.domain === "ai.onnx") out.push(...rewrite(n, ctx));
    else out.push(n);
  }
  return out;
}

function numbers(t: OnnxTensor | undefined): number[] | undefined {
  if (!t || Array.isArray(t.data) || typeof t.data[0] === "bigint") return undefined;
  return Array.from(t.data as ArrayLike<number>);
}

function rankOf(dims: readonly unknown[] | undefined): number | undefined {
  return dims?.length;
}

function subgraphContext(
  opset: number,
  used: Set<string>,
  outer: Context["typeOf"],
  outerValues: Context["valuesOf"],
  added: OnnxNode[],
  graph: OnnxGraph,
): Context {
  const types = new Map<string, { dataType?: OnnxDataType; rank?: number | undefined }>();
  for (const v of [...graph.inputs, ...graph.valueInfo, ...graph.outputs]) {
    if (v.type?.kind === "tensor") {
      types.set(v.name, { dataType: v.type.elemType, rank: rankOf(v.type.shape) });
    }
  }
  for (const t of graph.initializers) {
    types.set(t.name, { dataType: t.dataType, rank: t.dims.length });
  }
  const ctx: Context = {
    opset,
    constant(base, dataType, dims, values) {
      const name = uniqueName(used, base);
      added.push(constantNode(name, dataType, dims, values));
      types.set(name, { dataType, rank: dims.length });
      return name;
    },
    fresh: (base) => uniqueName(used, base),
    typeOf: (name) => types.get(name) ?? outer(name),
    isEmptyConstant: (name) =>
      graph.initializers.some((t) => t.name === name && t.data.length === 0),
    valuesOf: (name) => {
      const local = graph.initializers.find((t) => t.name === name) ??
        graph.nodes.filter((n) => n.opType === "Constant" && n.outputs[0] === name)
          .map((n) => constantTensor(n))[0];
      return local ? numbers(local) : outerValues(name);
    },
    subgraph: (g) => normalizeSubgraph(g, opset, used, ctx.typeOf, ctx.valuesOf),
  };
  return ctx;
}

function constantNode(
  name: string,
  dataType: OnnxDataType,
  dims: number[],
  values: readonly number[],
): OnnxNode {
  return {
    name,
    opType: "Constant",
    domain: "",
    overload: "",
    inputs: [],
    outputs: [name],
    attributes: {
      value: attr("value", { type: "tensor", value: tensorOf(name, dataType, dims, values) }),
    },
    docString: "",
    metadata: {},
  };
}

function tensorOf(
  name: string,
  dataType: OnnxDataType,
  dims: number[],
  values: readonly number[],
): OnnxTensor {
  const data = dataType === "int64"
    ? int64Data(values)
    : dataType === "double"
    ? Float64Array.from(values)
    : dataType === "float16"
    ? Float16Array.from(values)
    : dataType === "int32"
    ? Int32Array.from(values)
    : dataType === "int8"
    ? Int8Array.from(values)
    : dataType === "uint8" || dataType === "bool"
    ? Uint8Array.from(values)
    : Float32Array.from(values);
  return { name, dataType, dims, data, docString: "" };
}

function normalizeSubgraph(
  graph: OnnxGraph,
  opset: number,
  used: Set<string>,
  outer: Context["typeOf"],
  outerValues: Context["valuesOf"],
): OnnxGraph {
  for (const n of graph.nodes) for (const o of n.outputs) used.add(o);
  const nodes: OnnxNode[] = [];
  const added: OnnxNode[] = [];
  const ctx = subgraphContext(opset, used, outer, outerValues, added, graph);
  for (const node of graph.nodes) {
    const rewritten = rewriteAll([node], ctx);
    nodes.push(...added.splice(0));
    for (const r of rewritten) {
      nodes.push({ ...node, ...r, inputs: [...r.inputs], outputs: [...r.outputs] });
    }
  }
  return { ...graph, nodes };
}

/** Options of {@linkcode normalizeOpsets}. */
export interface NormalizeOptions {
  /**
   * Known element types and dims of values (for example from `inferShapes` on a first
   * normalization): with the rank of its input known, a Softmax of opset 12 or older over the last
   * axis stays one node instead of Flatten → Softmax → Reshape.
   * @default {undefined}
   */
  types?: ReadonlyMap<
    string,
    { readonly dataType: OnnxDataType; readonly dims: readonly unknown[] }
  >;
}

/**
 * The graph with every node in its newest-opset form (see the module doc); the input graph is not
 * changed. Constants the rewrites need become initializers (Constant nodes inside subgraphs).
 *
 * @example Clip-6's attributes become inputs
 * ```ts
 * import { graphFromModel } from "./from_model.ts";
 * import { normalizeOpsets } from "./normalize.ts";
 * import { buildModel, buildNode, float, valueInfo } from "../onnx/build.ts";
 * const graph = normalizeOpsets(graphFromModel(buildModel({
 *   nodes: [buildNode("Clip", ["x"], ["y"], { min: float(0), max: float(6) })],
 *   inputs: [valueInfo("x", "float", [4])],
 *   outputs: [valueInfo("y", "float", [4])],
 *   opset: 9,
 * })));
 * console.log(graph.nodes[0]?.inputs, graph.opsetImports[0]?.version); // ["x", "y_min", "y_max"] 21
 * ```
 */
export function normalizeOpsets(graph: Graph, options: NormalizeOptions = {}): Graph {
  const out = cloneGraph(graph);
  const opset = graphOpset(graph) ?? NORMALIZED_OPSET;
  const used = usedNames(graph);
  const types = new Map<
    string,
    { dataType?: OnnxDataType | undefined; rank?: number | undefined }
  >();
  for (const v of [...graph.inputs, ...graph.outputs, ...graph.valueInfo.values()]) {
    types.set(v.name, { dataType: v.dataType, rank: rankOf(v.dims) });
  }
  for (const [name, t] of options.types ?? []) {
    types.set(name, { dataType: t.dataType, rank: t.dims.length });
  }
  for (const [name, t] of graph.initializers) {
    types.set(name, { dataType: t.dataType, rank: t.dims.length });
  }
  const ctx: Context = {
    opset,
    constant(base, dataType, dims, values) {
      const name = uniqueName(used, base);
      out.initializers.set(name, tensorOf(name, dataType, dims, values));
      types.set(name, { dataType, rank: dims.length });
      return name;
    },
    fresh: (base) => uniqueName(used, base),
    typeOf: (name) => types.get(name) ?? {},
    isEmptyConstant: (name) => (graph.initializers.get(name)?.data.length ?? -1) === 0,
    valuesOf: (name) => numbers(out.initializers.get(name)),
    subgraph: (g) => normalizeSubgraph(g, opset, used, ctx.typeOf, ctx.valuesOf),
  };
  out.nodes = rewriteAll(out.nodes, ctx).map((n) => ({
    name: n.name,
    opType: n.opType,
    domain: n.domain,
    inputs: [...n.inputs],
    outputs: [...n.outputs],
    attributes: n.attributes,
  }));
  if (opset < NORMALIZED_OPSET) setGraphOpset(out, NORMALIZED_OPSET);
  return out;
}
