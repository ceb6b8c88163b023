/**
 * The validation inputs and float64 reference of a problem, computed off the calling thread. A
 * reference can take far longer than any candidate (attention over two million positions is
 * quadratic), and computed synchronously it would block the event loop: no timeout, time limit or
 * Ctrl-C could stop it. Here it runs in a worker thread that {@linkcode ReferenceJob.cancel}
 * terminates at once, so callers can race it against their own limits.
 *
 * @module
 */
import { KERNELS } from "../kernels/registry.ts";
import type { AnyKernelFamily } from "../kernels/types.ts";
import type { HostTensor } from "../core/types.ts";

/** Validation inputs and the float64 reference output computed from them. */
export interface ReferenceData {
  /** Inputs made by the family's `makeInputs(problem, seed)`. */
  readonly inputs: HostTensor[];
  /** The family's `reference(problem, inputs)`. */
  readonly expected: Float64Array;
}

/** A reference being computed. */
export interface ReferenceJob {
  /** Settles with the data, or rejects with the family's error (or when cancelled). */
  readonly result: Promise<ReferenceData>;
  /** Stops the computation (terminates its worker thread); `result` then rejects. */
  cancel(): void;
}

/** Options of {@linkcode startReference}. */
export interface ReferenceOptions {
  /**
   * URL of a module exporting the family as `family`, for families that are not in the registry.
   * Without it, such a family's reference is computed on the calling thread.
   */
  readonly familyModule?: string;
  /**
   * Problems of at most this many flops are computed on the calling thread, where they take
   * milliseconds, sparing the start of a worker.
   * @default {1_000_000}
   */
  readonly inlineFlops?: number;
}

/** The message the reference worker receives. */
export interface ReferenceRequest {
  /** Registry name of the family. */
  readonly op: string;
  /** Module exporting `family`, or null for a registry family. */
  readonly familyModule: string | null;
  /** The normalized problem. */
  readonly problem: unknown;
  /** Seed of the inputs. */
  readonly seed: number;
}

/** The message the reference worker answers with. */
export type ReferenceReply =
  | { readonly type: "done"; readonly inputs: HostTensor[]; readonly expected: Float64Array }
  | { readonly type: "error"; readonly message: string };

function computeHere(family: AnyKernelFamily, problem: unknown, seed: number): ReferenceJob {
  let result: Promise<ReferenceData>;
  try {
    const inputs = family.makeInputs(problem, seed);
    result = Promise.resolve({ inputs, expected: family.reference(problem, inputs) });
  } catch (error) {
    result = Promise.reject(error);
  }
  return { result, cancel: () => {} };
}

/**
 * Starts computing `family.makeInputs(problem, seed)` and the float64 reference from them. A
 * registry family (or one given by `familyModule`) is computed in a worker thread, unless the
 * problem is tiny; the caller's event loop stays free and `cancel()` stops it.
 *
 * @example
 * ```ts
 * import { startReference } from "./reference.ts";
 * import { getKernel } from "../kernels/registry.ts";
 * const family = getKernel("matmul");
 * const problem = family.normalizeProblem({ m: 2, n: 2, k: 2 });
 * const { expected } = await startReference(family, problem, 1).result;
 * console.log(expected.length); // 4
 * ```
 */
export function startReference(
  family: AnyKernelFamily,
  problem: unknown,
  seed: number,
  options: ReferenceOptions = {},
): ReferenceJob {
  const { familyModule, inlineFlops = 1_000_000 } = options;
  const inRegistry = Object.hasOwn(KERNELS, family.name) && KERNELS[family.name] === family;
  if ((!familyModule && !inRegistry) || family.flops(problem) <= inlineFlops) {
    return computeHere(family, problem, seed);
  }
  let worker: Worker;
  try {
    worker = new Worker(new URL("./reference_worker.ts", import.meta.url).href, {
      type: "module",
    });
  } catch {
    return computeHere(family, problem, seed); // workers not allowed here
  }
  let reject: (error: Error) => void = () => {};
  let finished = false;
  const finish = (): void => {
    finished = true;
    worker.terminate();
  };
  const result = new Promise<ReferenceData>((resolve, rejectWith) => {
    reject = rejectWith;
    worker.onmessage = (event: MessageEvent<ReferenceReply>) => {
      finish();
      const reply = event.data;
      if (reply.type === "done") resolve({ inputs: reply.inputs, expected: reply.expected });
      else rejectWith(new Error(reply.message));
    };
    // The worker could not load the family (a permission, a module that needs the main
    // thread): compute it here after all, as without a worker.
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      finish();
      computeHere(family, problem, seed).result.then(resolve, rejectWith);
    };
  });
  const request: ReferenceRequest = {
    op: family.name,
    familyModule: familyModule ?? null,
    problem,
    seed,
  };
  worker.postMessage(request);
  return {
    result,
    cancel() {
      if (finished) return;
      finish();
      reject(new Error("reference computation cancelled"));
    },
  };
}
