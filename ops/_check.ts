/**
 * Argument checks shared by the public ops (`matmul`, `conv2d`, `attention`, `runOp`,
 * `loadKernel`): every check runs before any GPU work and throws one line naming the argument and
 * its value (`TypeError` for a wrong type, `RangeError` for a wrong value, `Error` for a closed
 * device).
 *
 * @module
 */
import type { AnyKernelFamily } from "../kernels/types.ts";
import type { BufferBinding, Config, DeviceCaps, HostTensor, ParamValue } from "../core/types.ts";
import type { LoadKernelOptions } from "./load_kernel_options.ts";

export { assertOpenGpu } from "../gpu/assert_gpu.ts";
export { describeValue } from "../core/describe.ts";
import { describeValue } from "../core/describe.ts";

/**
 * Throws a `TypeError` unless `value` is a `Float32Array` (or, with `optional`, `undefined`).
 *
 * @example
 * ```ts
 * import { assertFloat32Array } from "./_check.ts";
 * assertFloat32Array("a", new Float32Array(4));
 * try {
 *   assertFloat32Array("a", "abcd");
 * } catch (error) {
 *   console.log((error as Error).message); // "'a' must be a Float32Array: current value is 'abcd'"
 * }
 * ```
 */
export function assertFloat32Array(
  name: string,
  value: unknown,
  optional = false,
): asserts value is Float32Array {
  if (value instanceof Float32Array || (optional && value === undefined)) return;
  throw new TypeError(
    `'${name}' must be a Float32Array${optional ? " or undefined" : ""}: current value is ${
      describeValue(value)
    }`,
  );
}

/**
 * Throws a `TypeError` unless `value` is a plain object (not `null`, not an array).
 *
 * @example
 * ```ts
 * import { assertObject } from "./_check.ts";
 * assertObject("shape", { m: 1 });
 * ```
 */
export function assertObject(
  name: string,
  value: unknown,
): asserts value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`'${name}' must be an object: current value is ${describeValue(value)}`);
  }
}

/**
 * Checks the host inputs of `runOp`: an array of `{ name, data }` with string names, no name twice,
 * and `data` a `Float32Array` or an `Int32Array`.
 *
 * @example
 * ```ts
 * import { assertHostTensors } from "./_check.ts";
 * assertHostTensors([{ name: "a", data: new Float32Array(4) }]);
 * ```
 */
export function assertHostTensors(inputs: unknown): asserts inputs is readonly HostTensor[] {
  if (!Array.isArray(inputs)) {
    throw new TypeError(
      `'inputs' must be an array of { name, data }: current value is ${describeValue(inputs)}`,
    );
  }
  const seen = new Set<string>();
  for (const [i, input] of inputs.entries()) {
    assertObject(`inputs[${i}]`, input);
    if (typeof input.name !== "string") {
      throw new TypeError(
        `'inputs[${i}].name' must be a string: current value is ${describeValue(input.name)}`,
      );
    }
    if (seen.has(input.name)) {
      throw new RangeError(`'inputs' names '${input.name}' twice: each tensor must appear once`);
    }
    seen.add(input.name);
    if (!(input.data instanceof Float32Array) && !(input.data instanceof Int32Array)) {
      throw new TypeError(
        `'inputs[${i}].data' ('${input.name}') must be a Float32Array or an Int32Array: ` +
          `current value is ${describeValue(input.data)}`,
      );
    }
  }
}

/**
 * Checks that an explicit `config` is a plain object of numbers, strings and booleans whose
 * parameters all belong to the family's space (the generator checks the values).
 *
 * @example
 * ```ts
 * import { assertExplicitConfig } from "./_check.ts";
 * import { matmulFamily } from "../kernels/matmul/family.ts";
 * import { DEFAULT_CAPS } from "../kernels/types.ts";
 * const problem = matmulFamily.normalizeProblem({ m: 4, n: 4, k: 4 });
 * const config = matmulFamily.defaultConfig(problem, DEFAULT_CAPS);
 * assertExplicitConfig(matmulFamily, problem, config, DEFAULT_CAPS);
 * ```
 */
export function assertExplicitConfig(
  family: AnyKernelFamily,
  problem: unknown,
  config: unknown,
  caps: DeviceCaps,
): asserts config is Config {
  assertObject("config", config);
  const params = family.space(problem, caps).params.map((p) => p.name);
  for (const [key, value] of Object.entries(config)) {
    if (!params.includes(key)) {
      throw new RangeError(
        `'config' has an unknown parameter '${key}' for ${family.name}: expected ${
          params.join(", ")
        }`,
      );
    }
    if (!isParamValue(value)) {
      throw new TypeError(
        `'config.${key}' must be a number, string or boolean: current value is ${
          describeValue(value)
        }`,
      );
    }
  }
}

function isParamValue(value: unknown): value is ParamValue {
  return typeof value === "string" || typeof value === "boolean" ||
    (typeof value === "number" && Number.isFinite(value));
}

/** Every field of {@linkcode LoadKernelOptions}: the type check fails when one is missing here. */
const OPTION_KEYS: Readonly<Record<keyof LoadKernelOptions, true>> = {
  config: true,
  cacheDir: true,
  nearest: true,
};

/**
 * Checks the options of `loadKernel` (and of the ops built on it) before any GPU work: an object
 * (or `undefined`) with only known fields, `cacheDir` a non-empty string, `null` or `undefined`,
 * `config` an object. Throws a `TypeError`/`RangeError` naming the field and its value.
 *
 * @example
 * ```ts
 * import { assertLoadKernelOptions } from "./_check.ts";
 * assertLoadKernelOptions({ cacheDir: null });
 * try {
 *   assertLoadKernelOptions({ cacheDir: 123 });
 * } catch (error) {
 *   console.log((error as Error).message);
 *   // "'cacheDir' must be a directory path, null or undefined: current value is 123"
 * }
 * ```
 */
export function assertLoadKernelOptions(options: unknown): asserts options is LoadKernelOptions {
  if (options === undefined) return;
  assertObject("options", options);
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(OPTION_KEYS, key)) {
      throw new RangeError(
        `'options' has an unknown field '${key}': expected ${Object.keys(OPTION_KEYS).join(", ")}`,
      );
    }
  }
  const { cacheDir, config } = options;
  if (cacheDir !== undefined && cacheDir !== null && typeof cacheDir !== "string") {
    throw new TypeError(
      `'cacheDir' must be a directory path, null or undefined: current value is ${
        describeValue(cacheDir)
      }`,
    );
  }
  if (typeof cacheDir === "string" && cacheDir.trim() === "") {
    throw new RangeError(
      `'cacheDir' must be a directory path, null or undefined: current value is '${cacheDir}'`,
    );
  }
  if (config !== undefined) assertObject("config", config);
}

/**
 * Checks host inputs against a program's bindings: every input names a read binding, every read
 * binding has an input, float bindings (`f32`, `f16`) take a `Float32Array` and integer ones an
 * `Int32Array`, of exactly the binding's length.
 *
 * @example
 * ```ts
 * import { assertInputsMatch } from "./_check.ts";
 * const bindings = [
 *   { name: "x", dtype: "f32", elements: 2, access: "read" },
 *   { name: "y", dtype: "f32", elements: 2, access: "read_write" },
 * ] as const;
 * assertInputsMatch("copy", bindings, [{ name: "x", data: new Float32Array(2) }]);
 * ```
 */
export function assertInputsMatch(
  op: string,
  bindings: readonly BufferBinding[],
  inputs: readonly HostTensor[],
): void {
  const readable = bindings.filter((b) => b.access === "read");
  for (const input of inputs) {
    if (!readable.some((b) => b.name === input.name)) {
      throw new RangeError(
        `${op}: 'inputs' has an unknown tensor '${input.name}': expected ${
          readable.map((b) => b.name).join(", ")
        }`,
      );
    }
  }
  for (const binding of readable) {
    const input = inputs.find((t) => t.name === binding.name);
    if (!input) throw new TypeError(`${op}: missing input '${binding.name}'`);
    const float = binding.dtype === "f32" || binding.dtype === "f16";
    if (float !== (input.data instanceof Float32Array)) {
      throw new TypeError(
        `${op}: input '${binding.name}' (${binding.dtype}) must be ${
          float ? "a Float32Array" : "an Int32Array"
        }: current value is ${describeValue(input.data)}`,
      );
    }
    if (input.data.length !== binding.elements) {
      throw new RangeError(
        `${op}: input '${binding.name}' must have ${binding.elements} elements: ` +
          `current length is ${input.data.length}`,
      );
    }
  }
}
