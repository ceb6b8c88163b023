import assert from "node:assert/strict";
import { planMemory, type PlanStep } from "./memory_plan.ts";

/** A seeded random schedule: each step reads 1-3 earlier values and writes 1-2 new ones. */
function randomSchedule(seed: number, n: number) {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const values = ["x"];
  const bytes = new Map<string, number>();
  const steps: PlanStep[] = [];
  for (let i = 0; i < n; i++) {
    const inputs = Array.from(
      { length: 1 + Math.floor(rand() * 3) },
      () => values[Math.max(0, values.length - 1 - Math.floor(rand() * 4))]!,
    );
    const outputs = Array.from({ length: 1 + Math.floor(rand() * 2) }, (_, j) => `v${i}_${j}`);
    const views: [string, string][] = [];
    const inPlace: [string, string][] = [];
    for (const o of outputs) {
      if (rand() < 0.2) {
        views.push([o, inputs[0]!]);
        bytes.set(o, bytes.get(inputs[0]!) ?? 64);
      } else {
        bytes.set(o, 4 * (1 + Math.floor(rand() * 100)));
        if (rand() < 0.3 && bytes.get(inputs[0]!) === bytes.get(o)) inPlace.push([o, inputs[0]!]);
      }
    }
    steps.push({ inputs, outputs, views, inPlace });
    values.push(...outputs);
  }
  const outputs = new Set([values[values.length - 1]!]);
  return { steps, bytes, external: new Set(["x"]), outputs };
}

/** Checks a plan: values alive at once never share a buffer unless one aliases the other. */
function checkPlan(request: ReturnType<typeof randomSchedule>) {
  const plan = planMemory(request);
  const { steps } = request;
  const alias = new Map<string, string>();
  for (const st of steps) for (const [o, i] of [...st.views ?? []]) alias.set(o, i);
  const root = (v: string): string => (alias.has(v) ? root(alias.get(v)!) : v);
  // Lifetime of every alias set (a value and its views) as the steps see it.
  const life = new Map<string, [number, number]>();
  steps.forEach((st, i) => {
    for (const o of st.outputs) {
      const r = root(o);
      const l = life.get(r) ?? [i, i];
      if (request.outputs.has(o)) l[1] = steps.length;
      life.set(r, l);
    }
    for (const v of st.inputs) {
      const l = life.get(root(v));
      if (l) l[1] = Math.max(l[1], i);
    }
  });
  const inPlace = new Set(
    steps.flatMap((st) => (st.inPlace ?? []).map(([o, i]) => `${root(o)}|${root(i)}`)),
  );
  const entries = [...plan.assignment];
  for (const [v, b] of entries) {
    assert.ok(plan.buffers[b]! >= request.bytes.get(v)!, `buffer ${b} too small for ${v}`);
  }
  for (let i = 0; i < entries.length; i++) {
    for (let j = i + 1; j < entries.length; j++) {
      const [a, ba] = entries[i]!;
      const [b, bb] = entries[j]!;
      if (ba !== bb || root(a) === root(b)) continue;
      const [fa, la] = life.get(root(a))!;
      const [fb, lb] = life.get(root(b))!;
      // Only an accepted in-place pair may touch at one step (the writer's first is the reader's last).
      const touching = inPlace.has(`${root(a)}|${root(b)}`) ||
        inPlace.has(`${root(b)}|${root(a)}`);
      const overlap = touching
        ? Math.max(fa, fb) < Math.min(la, lb)
        : Math.max(fa, fb) <= Math.min(la, lb);
      assert.ok(!overlap, `${a} [${fa},${la}] and ${b} [${fb},${lb}] share buffer ${ba}`);
    }
  }
  assert.ok(plan.plannedBytes >= plan.liveBytesPeak - 1e-9 || plan.plannedBytes === 0);
  assert.ok(plan.plannedBytes <= plan.noReuseBytes);
  return plan;
}

Deno.test("planMemory() never lets values alive at once share a buffer, on random schedules", () => {
  for (let seed = 1; seed <= 200; seed++) checkPlan(randomSchedule(seed, 30));
});

Deno.test("planMemory() reuses the buffers of a chain: two buffers for a long chain", () => {
  const steps: PlanStep[] = Array.from({ length: 10 }, (_, i) => ({
    inputs: [i === 0 ? "x" : `v${i - 1}`],
    outputs: [`v${i}`],
  }));
  const bytes = new Map(steps.map((s) => [s.outputs[0]!, 100]));
  const plan = planMemory({ steps, bytes, external: new Set(["x"]), outputs: new Set(["v9"]) });
  assert.equal(plan.buffers.length, 2);
  assert.equal(plan.plannedBytes, 200);
  assert.equal(plan.noReuseBytes, 1000);
});

Deno.test("planMemory() keeps a value alive until its last reader (skip connection)", () => {
  // a -> b -> c, then d = a + c: a must not share with b or c.
  const steps: PlanStep[] = [
    { inputs: ["x"], outputs: ["a"] },
    { inputs: ["a"], outputs: ["b"] },
    { inputs: ["b"], outputs: ["c"] },
    { inputs: ["a", "c"], outputs: ["d"] },
  ];
  const bytes = new Map([["a", 8], ["b", 8], ["c", 8], ["d", 8]]);
  const plan = planMemory({ steps, bytes, external: new Set(["x"]), outputs: new Set(["d"]) });
  const a = plan.assignment.get("a");
  assert.notEqual(a, plan.assignment.get("b"));
  assert.notEqual(a, plan.assignment.get("c"));
});

Deno.test("planMemory() shares a view's buffer and extends the life of its source", () => {
  const steps: PlanStep[] = [
    { inputs: ["x"], outputs: ["a"] },
    { inputs: ["a"], outputs: ["r"], views: [["r", "a"]] },
    { inputs: ["r"], outputs: ["b"] },
    { inputs: ["b"], outputs: ["c"] },
  ];
  const bytes = new Map([["a", 64], ["r", 64], ["b", 64], ["c", 64]]);
  const plan = planMemory({ steps, bytes, external: new Set(["x"]), outputs: new Set(["c"]) });
  assert.equal(plan.assignment.get("r"), plan.assignment.get("a"));
  assert.notEqual(plan.assignment.get("b"), plan.assignment.get("a"));
  assert.equal(plan.noReuseBytes, 192);
});

Deno.test("planMemory() treats views of weights and inputs as external", () => {
  const steps: PlanStep[] = [
    { inputs: ["w"], outputs: ["wr"], views: [["wr", "w"]] },
    { inputs: ["x", "wr"], outputs: ["y"] },
  ];
  const plan = planMemory({
    steps,
    bytes: new Map([["y", 4]]),
    external: new Set(["x", "w"]),
    outputs: new Set(["y"]),
  });
  assert.equal(plan.externalViews.get("wr"), "w");
  assert.equal(plan.assignment.has("wr"), false);
  assert.equal(plan.plannedBytes, 4);
});

Deno.test("planMemory() runs an elementwise step in place only at its input's last use", () => {
  const steps: PlanStep[] = [
    { inputs: ["x"], outputs: ["a"] },
    { inputs: ["a"], outputs: ["b"], inPlace: [["b", "a"]] },
    { inputs: ["b"], outputs: ["c"], inPlace: [["c", "b"]] },
    { inputs: ["b", "c"], outputs: ["d"] },
  ];
  const bytes = new Map([["a", 32], ["b", 32], ["c", 32], ["d", 32]]);
  const plan = planMemory({ steps, bytes, external: new Set(["x"]), outputs: new Set(["d"]) });
  assert.equal(plan.assignment.get("b"), plan.assignment.get("a"), "a dies at step 1");
  assert.notEqual(plan.assignment.get("c"), plan.assignment.get("b"), "b is read again at step 3");
});

Deno.test("planMemory() grows a free buffer instead of adding one", () => {
  const steps: PlanStep[] = [
    { inputs: ["x"], outputs: ["a"] },
    { inputs: ["a"], outputs: ["b"] },
    { inputs: ["b"], outputs: ["c"] },
  ];
  const bytes = new Map([["a", 10], ["b", 10], ["c", 30]]);
  const plan = planMemory({ steps, bytes, external: new Set(["x"]), outputs: new Set(["c"]) });
  assert.deepEqual([...plan.buffers].sort((p, q) => p - q), [10, 30]);
});
