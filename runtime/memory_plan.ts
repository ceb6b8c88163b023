/**
 * The memory planner: assigns every intermediate tensor of a schedule to a GPU buffer so that
 * tensors whose lifetimes do not overlap share one. Pure data in, data out.
 *
 * Lifetimes come from the execution order: a value lives from the step that writes it to the last
 * step that reads it (a graph output to the end). Views (Reshape, Flatten, Squeeze, Unsqueeze,
 * Identity) alias their input: the chain shares one buffer, alive until the last use of any member.
 * In-place steps (an elementwise output the size of an input whose last use is that step) take the
 * input's buffer. Otherwise a value takes the free buffer that fits it most tightly (best fit by
 * size); when none fits, the largest free buffer grows to its size (buffer sizes are final only when
 * planning ends), and only when none is free a new buffer is added.
 *
 * @module
 */

/** One step of the schedule: the values it reads and writes. */
export interface PlanStep {
  /** Values read (empty names are ignored). */
  readonly inputs: readonly string[];
  /** Values written (empty names are ignored). */
  readonly outputs: readonly string[];
  /** `[output, input]` pairs: the output is a view of the input (same bytes, no copy). */
  readonly views?: readonly (readonly [string, string])[];
  /** `[output, input]` pairs: the output may overwrite the input when this is its last use. */
  readonly inPlace?: readonly (readonly [string, string])[];
}

/** What the planner is told besides the steps. */
export interface PlanRequest {
  /** The schedule, in execution order. */
  readonly steps: readonly PlanStep[];
  /** Byte size of every value a step writes. */
  readonly bytes: ReadonlyMap<string, number>;
  /** Values that live outside the plan: graph inputs and weights (never assigned, never reused). */
  readonly external: ReadonlySet<string>;
  /** Graph outputs: planned, but alive until the end of the run. */
  readonly outputs: ReadonlySet<string>;
}

/** The result: buffers, the buffer of every planned value, and the memory figures. */
export interface MemoryPlan {
  /** Byte size of each planned buffer, by buffer index. */
  readonly buffers: readonly number[];
  /** Buffer index of each planned value (views share their input's). */
  readonly assignment: ReadonlyMap<string, number>;
  /** Values that are views of an external value (a graph input or weight), to that value. */
  readonly externalViews: ReadonlyMap<string, string>;
  /** Sum of the planned buffers' sizes. */
  readonly plannedBytes: number;
  /** Sum of the sizes of every planned value without sharing (views not counted twice). */
  readonly noReuseBytes: number;
  /** The largest sum of sizes of values alive at one step: no plan can go below it. */
  readonly liveBytesPeak: number;
}

interface Lifetime {
  first: number;
  last: number;
  bytes: number;
}

/**
 * Plans the buffers of a schedule.
 *
 * @example Two values that never live together share one buffer
 * ```ts
 * import { planMemory } from "./memory_plan.ts";
 * const plan = planMemory({
 *   steps: [
 *     { inputs: ["x"], outputs: ["a"] },
 *     { inputs: ["a"], outputs: ["b"] },
 *     { inputs: ["b"], outputs: ["c"] },
 *     { inputs: ["c"], outputs: ["y"] },
 *   ],
 *   bytes: new Map([["a", 400], ["b", 400], ["c", 400], ["y", 16]]),
 *   external: new Set(["x"]),
 *   outputs: new Set(["y"]),
 * });
 * console.log(plan.plannedBytes, plan.noReuseBytes); // 800 1216
 * console.log(plan.assignment.get("a") === plan.assignment.get("c")); // true
 * ```
 */
export function planMemory(request: PlanRequest): MemoryPlan {
  const { steps, bytes, external, outputs } = request;
  // Alias roots: a view (or an in-place output, once accepted) maps to the value it shares with.
  const root = new Map<string, string>();
  const find = (v: string): string => {
    let r = v;
    while (root.has(r)) r = root.get(r)!;
    return r;
  };
  const externalViews = new Map<string, string>();
  for (const step of steps) {
    for (const [out, inp] of step.views ?? []) {
      const r = find(inp);
      if (external.has(r)) externalViews.set(out, r);
      root.set(out, r);
    }
  }
  const end = steps.length;
  const lifetimeOf = () => {
    const lives = new Map<string, Lifetime>();
    steps.forEach((step, i) => {
      for (const out of step.outputs) {
        if (!out) continue;
        const r = find(out);
        if (external.has(r)) continue;
        const size = bytes.get(r);
        if (size === undefined) throw new RangeError(`planMemory: no byte size for '${r}'`);
        const life = lives.get(r);
        if (!life) lives.set(r, { first: i, last: outputs.has(out) ? end : i, bytes: size });
        else if (outputs.has(out)) life.last = end;
      }
      for (const inp of step.inputs) {
        if (!inp) continue;
        const life = lives.get(find(inp));
        if (life) life.last = Math.max(life.last, i);
      }
    });
    return lives;
  };
  // In-place: accept a pair when the input's root dies at this step, is not a graph output, and
  // the sizes match; the output then joins the input's alias set.
  const lastUse = lifetimeOf();
  steps.forEach((step, i) => {
    for (const [out, inp] of step.inPlace ?? []) {
      const r = find(inp);
      const life = lastUse.get(r);
      if (root.has(out)) continue; // one in-place input per output
      if (!life || life.last !== i || outputs.has(r) || bytes.get(out) !== life.bytes) continue;
      if ([...outputs].some((o) => find(o) === r)) continue;
      const own = lastUse.get(out);
      root.set(out, r);
      // The set now lives as long as the output does (its own uses, or the end for an output).
      life.last = outputs.has(out) ? end : Math.max(i, own?.last ?? i);
    }
  });
  const lives = lifetimeOf();

  // Walk the steps: free what died at the previous step, then place what this step defines.
  const buffers: number[] = [];
  const free = new Set<number>();
  const bufferOf = new Map<string, number>();
  const byFirst = new Map<number, string[]>();
  const byLast = new Map<number, string[]>();
  for (const [v, life] of lives) {
    byFirst.set(life.first, [...(byFirst.get(life.first) ?? []), v]);
    byLast.set(life.last, [...(byLast.get(life.last) ?? []), v]);
  }
  let live = 0;
  let liveBytesPeak = 0;
  for (let i = 0; i < end; i++) {
    for (const v of byFirst.get(i) ?? []) {
      const need = lives.get(v)!.bytes;
      let best = -1;
      for (const b of free) {
        if (buffers[b]! >= need && (best < 0 || buffers[b]! < buffers[best]!)) best = b;
      }
      if (best < 0) {
        for (const b of free) if (best < 0 || buffers[b]! > buffers[best]!) best = b;
      }
      if (best < 0) {
        best = buffers.length;
        buffers.push(need);
      } else {
        free.delete(best);
        buffers[best] = Math.max(buffers[best]!, need);
      }
      bufferOf.set(v, best);
      live += need;
    }
    liveBytesPeak = Math.max(liveBytesPeak, live);
    for (const v of byLast.get(i) ?? []) {
      free.add(bufferOf.get(v)!);
      live -= lives.get(v)!.bytes;
    }
  }
  const assignment = new Map<string, number>();
  for (const step of steps) {
    for (const out of step.outputs) {
      if (!out) continue;
      const b = bufferOf.get(find(out));
      if (b !== undefined) assignment.set(out, b);
    }
  }
  let noReuseBytes = 0;
  for (const step of steps) {
    const viewOutputs = new Set((step.views ?? []).map(([o]) => o));
    for (const out of step.outputs) {
      if (out && !viewOutputs.has(out) && !external.has(find(out))) {
        noReuseBytes += bytes.get(out) ?? 0;
      }
    }
  }
  return {
    buffers,
    assignment,
    externalViews,
    plannedBytes: buffers.reduce((a, b) => a + b, 0),
    noReuseBytes,
    liveBytesPeak,
  };
}
