/**
 * Private test helper: an {@linkcode OpExecutor} that records every kernel call and answers with
 * a value chosen by the test, so that adapters can be checked without a GPU or a family.
 *
 * @module
 */
import type { HostTensor } from "../core/types.ts";
import type { OnnxTensor } from "../onnx/tensor.ts";
import type { OpExecutor } from "./executor.ts";

/** One recorded kernel call. */
export interface RecordedCall {
  readonly op: string;
  readonly problem: Record<string, unknown>;
  readonly inputs: Readonly<Record<string, readonly number[]>>;
}

/**
 * An executor that records calls; `answer` computes each call's output.
 *
 * @example Record a matmul call
 * ```ts
 * import { recordingExecutor } from "./_recording_executor.ts";
 * const exec = recordingExecutor(() => [0]);
 * await exec.run("matmul", { m: 1, n: 1, k: 1 }, [{ name: "a", data: new Float32Array([2]) }]);
 * console.log(exec.calls[0]?.inputs.a); // [2]
 * ```
 */
export function recordingExecutor(
  answer: (call: RecordedCall) => ArrayLike<number>,
): OpExecutor & { readonly calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  return {
    name: "recording",
    shaderF16: true,
    calls,
    run(op: string, problem: unknown, inputs: readonly HostTensor[]) {
      const call = {
        op,
        problem: problem as Record<string, unknown>,
        inputs: Object.fromEntries(inputs.map((t) => [t.name, [...t.data]])),
      };
      calls.push(call);
      return Promise.resolve(answer(call));
    },
  };
}

/**
 * A float tensor of `dims` holding `values` (default 0, 1, 2, ...).
 *
 * @example A 2×2 counting tensor
 * ```ts
 * import { floatTensor } from "./_recording_executor.ts";
 * console.log(floatTensor([2, 2]).data); // Float32Array(4) [0, 1, 2, 3]
 * ```
 */
export function floatTensor(dims: number[], values?: number[]): OnnxTensor {
  const size = dims.reduce((a, b) => a * b, 1);
  const data = Float32Array.from(values ?? Array.from({ length: size }, (_, i) => i));
  if (data.length !== size) throw new RangeError(`${data.length} values for dims [${dims}]`);
  return { name: "", dataType: "float", dims, data, docString: "" };
}
