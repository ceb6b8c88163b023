/**
 * Cases from ONNX Runtime Web's operator tests (`ort-web-ops/*.jsonc`): an array of tests, each
 * with an operator, optional opset and attributes, and cases of flat tensors.
 *
 * @module
 */
import type { OnnxAttribute, OnnxAttributes } from "../onnx/graph.ts";
import type { OnnxDataType } from "../onnx/data_type.ts";
import { buildTensor } from "../onnx/build.ts";
import { type OnnxTensor, tensorSize } from "../onnx/tensor.ts";
import type { ConformanceCase } from "./case.ts";
import { parseJsonc } from "./jsonc.ts";
import type { OpSelector } from "./onnx_node_cases.ts";

/** A tensor as written in the JSONC files; `data: null` marks an omitted optional input. */
export interface OrtJsonTensor {
  /** Flat row-major values, or `null`. */
  readonly data: readonly (number | boolean)[] | null;
  /** Shape. */
  readonly dims: readonly number[];
  /** Element type, for example `"float32"`. */
  readonly type: string;
}

const TYPES: Readonly<Record<string, OnnxDataType>> = {
  float32: "float",
  float16: "float16",
  float64: "double",
  int8: "int8",
  uint8: "uint8",
  int16: "int16",
  uint16: "uint16",
  int32: "int32",
  uint32: "uint32",
  int64: "int64",
  uint64: "uint64",
  bool: "bool",
  int4: "int4",
  uint4: "uint4",
};

/**
 * Converts a JSONC tensor to an {@linkcode OnnxTensor} (with the value types of the ONNX loader);
 * `undefined` for `data: null`. Throws a `RangeError` for an unknown type or a length mismatch.
 *
 * @example Convert a float32 tensor
 * ```ts
 * import { tensorFromOrtJson } from "./ort_web_cases.ts";
 * const t = tensorFromOrtJson({ data: [1, 2], dims: [2], type: "float32" });
 * console.log(t?.dataType, t?.data); // "float" Float32Array(2) [1, 2]
 * ```
 */
export function tensorFromOrtJson(json: OrtJsonTensor): OnnxTensor | undefined {
  if (json.data === null) return undefined;
  const dataType = TYPES[json.type];
  if (!dataType) throw new RangeError(`tensor type '${json.type}' is not supported`);
  const values = json.data.map(Number);
  if (values.length !== tensorSize(json.dims)) {
    throw new RangeError(
      `tensor of dims [${json.dims}] must hold ${
        tensorSize(json.dims)
      } values: it holds ${values.length}`,
    );
  }
  return buildTensor("", dataType, json.dims, values);
}

interface OrtJsonAttribute {
  readonly name: string;
  readonly data: unknown;
  readonly type: string;
}

interface OrtJsonTest {
  readonly name: string;
  readonly operator: string;
  readonly opset?: { readonly domain?: string; readonly version?: number };
  readonly attributes?: readonly OrtJsonAttribute[];
  readonly cases: readonly {
    readonly name: string;
    readonly inputs: readonly OrtJsonTensor[];
    readonly outputs: readonly OrtJsonTensor[];
  }[];
}

function attributeFromOrtJson(a: OrtJsonAttribute): OnnxAttribute {
  const base = { name: a.name, docString: "" };
  const numbers = () => (a.data as unknown[]).map(Number);
  switch (a.type) {
    case "int":
    case "float":
      return { ...base, type: a.type, value: Number(a.data) };
    case "ints":
    case "floats":
      return { ...base, type: a.type, value: numbers() };
    case "string":
      return { ...base, type: "string", value: String(a.data) };
    case "strings":
      return { ...base, type: "strings", value: (a.data as unknown[]).map(String) };
    default:
      throw new RangeError(`attribute '${a.name}': type '${a.type}' is not supported`);
  }
}

/**
 * Loads the cases of every `ort-web-ops/*.jsonc` file under `dir` whose operator (and domain) is
 * accepted by `select`, in file order.
 *
 * @example Load the MatMul JSONC cases
 * ```ts ignore
 * import { loadOrtWebCases } from "./ort_web_cases.ts";
 * import { conformanceDir } from "./data_dir.ts";
 * const cases = loadOrtWebCases(conformanceDir(), (op) => op === "MatMul");
 * console.log(cases.length); // 19
 * ```
 */
export function loadOrtWebCases(dir: URL, select: OpSelector): ConformanceCase[] {
  const root = new URL("ort-web-ops/", dir);
  const files = [...Deno.readDirSync(root)]
    .filter((e) => e.isFile && e.name.endsWith(".jsonc"))
    .map((e) => e.name)
    .sort();
  const cases: ConformanceCase[] = [];
  for (const file of files) {
    const tests = parseJsonc(Deno.readTextFileSync(new URL(file, root))) as OrtJsonTest[];
    tests.forEach((test, t) => {
      const domain = test.opset?.domain ?? "";
      if (!select(test.operator, domain)) return;
      const attributes: Record<string, OnnxAttribute> = {};
      for (const a of test.attributes ?? []) attributes[a.name] = attributeFromOrtJson(a);
      test.cases.forEach((c, i) => {
        cases.push({
          id: `ort-web-ops/${file}#${t}.${i} ${test.name} / ${c.name}`,
          source: "ort-web-ops",
          opType: test.operator,
          domain,
          opset: test.opset?.version,
          attributes: attributes as OnnxAttributes,
          inputs: c.inputs.map(tensorFromOrtJson),
          outputs: c.outputs.map(tensorFromOrtJson),
        });
      });
    });
  }
  return cases;
}
