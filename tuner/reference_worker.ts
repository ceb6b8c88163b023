/**
 * Worker thread of `startReference()`: loads the family (from the registry or a module), makes the
 * inputs, computes the float64 reference and posts both back (their buffers transferred).
 *
 * @module
 */
import { getKernel } from "../kernels/registry.ts";
import type { AnyKernelFamily } from "../kernels/types.ts";
import type { ReferenceReply, ReferenceRequest } from "./reference.ts";

interface WorkerScope {
  onmessage: ((event: MessageEvent<ReferenceRequest>) => void) | null;
  postMessage(message: ReferenceReply, transfer?: Transferable[]): void;
}

const scope = globalThis as unknown as WorkerScope;

scope.onmessage = async (event) => {
  const { op, familyModule, problem, seed } = event.data;
  try {
    const family: AnyKernelFamily = familyModule
      ? (await import(familyModule)).family
      : getKernel(op);
    const inputs = family.makeInputs(problem, seed);
    const expected = family.reference(problem, inputs);
    const transfer = [expected.buffer, ...inputs.map((t) => t.data.buffer)];
    scope.postMessage({ type: "done", inputs, expected }, [...new Set(transfer)] as ArrayBuffer[]);
  } catch (error) {
    scope.postMessage({
      type: "error",
      message: error instanceof Error ? error.message : String(error),
    });
  }
};
