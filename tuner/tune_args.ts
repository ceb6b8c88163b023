/**
 * Up-front checks of `tune()`'s arguments: every mistake is one line naming the argument and its
 * value, thrown before the cache is opened or any GPU work starts.
 *
 * @module
 */
import { describeValue } from "../core/describe.ts";
import type { TuneOptions, TuneRequest } from "./types.ts";

const OPTION_TYPES: Readonly<Record<keyof TuneOptions, string>> = {
  strategy: "string|object",
  maxEvals: "number",
  timeLimitMs: "number",
  candidateTimeoutMs: "number",
  seed: "number",
  measureMs: "number",
  cacheDir: "string|null",
  force: "boolean",
  isolation: "string",
  warmStart: "boolean",
  confirmTop: "number",
  fix: "object",
  onWorkerRestart: "function",
  signal: "object",
  onEvent: "function",
};

/**
 * Throws unless `request` is `{ op, problem }` and every option has its type:
 * `TypeError` for a wrong type or an unknown option, `RangeError` for a wrong value.
 *
 * @example
 * ```ts
 * import { checkTuneArgs } from "./tune_args.ts";
 * try {
 *   checkTuneArgs({ op: "matmul", problem: {} }, { cacheDir: 123 } as never);
 * } catch (error) {
 *   console.log((error as Error).message); // "'cacheDir' must be a string or null: current value is 123"
 * }
 * ```
 */
export function checkTuneArgs(request: TuneRequest, options: TuneOptions): void {
  if (typeof request !== "object" || request === null || Array.isArray(request)) {
    throw new TypeError(
      `'request' must be an object { op, problem }: current value is ${describeValue(request)}`,
    );
  }
  if (typeof request.op !== "string") {
    throw new TypeError(
      `'request.op' must be a string: current value is ${describeValue(request.op)}`,
    );
  }
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(`'options' must be an object: current value is ${describeValue(options)}`);
  }
  for (const [name, value] of Object.entries(options)) {
    if (!Object.hasOwn(OPTION_TYPES, name)) {
      throw new TypeError(
        `unknown tune() option '${name}' (options: ${Object.keys(OPTION_TYPES).join(", ")})`,
      );
    }
    if (value === undefined) continue;
    const wanted = OPTION_TYPES[name as keyof TuneOptions];
    const ok = wanted.split("|").some((t) =>
      t === "null"
        ? value === null
        : t === "object"
        ? typeof value === "object" && value !== null && !Array.isArray(value)
        // deno-lint-ignore valid-typeof
        : typeof value === t
    );
    if (!ok) {
      const said = wanted === "string|null" ? "a string or null" : wanted.replace("|", " or ");
      throw new TypeError(
        `'${name}' must be ${said.startsWith("a ") ? said : `a ${said}`}: current value is ${
          describeValue(value)
        }`,
      );
    }
  }
  if (options.cacheDir === "") {
    throw new RangeError("'cacheDir' must be a directory path or null: current value is ''");
  }
  if (
    options.isolation !== undefined && options.isolation !== "none" &&
    options.isolation !== "process"
  ) {
    throw new RangeError(
      `'isolation' must be "none" or "process": current value is ${
        describeValue(options.isolation)
      }`,
    );
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new TypeError(
      `'signal' must be an AbortSignal: current value is ${describeValue(options.signal)}`,
    );
  }
  if (options.fix !== undefined) {
    for (const [name, values] of Object.entries(options.fix)) {
      if (!Array.isArray(values) || values.length === 0) {
        throw new TypeError(
          `'fix.${name}' must be a non-empty array of values: current value is ${
            describeValue(values)
          }`,
        );
      }
    }
  }
}
