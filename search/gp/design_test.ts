import assert from "node:assert/strict";
import { latinHypercubeDesign } from "./design.ts";
import { seededRandom } from "../../core/random.ts";

/** Cell centres of a size × size grid over the unit square, like `Encoder.unit()` ranks. */
function grid(size: number): Float64Array[] {
  const points: Float64Array[] = [];
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      points.push(new Float64Array([(i + 0.5) / size, (j + 0.5) / size]));
    }
  }
  return points;
}

Deno.test("latinHypercubeDesign() picks one candidate per row and column, when strata match a grid", () => {
  const candidates = grid(10);
  for (let seed = 0; seed < 10; seed++) {
    const picks = latinHypercubeDesign(candidates, 10, seededRandom(seed));
    assert.equal(new Set(picks).size, 10);
    assert.equal(new Set(picks.map((i) => candidates[i]![0])).size, 10, `seed ${seed}`);
    assert.equal(new Set(picks.map((i) => candidates[i]![1])).size, 10, `seed ${seed}`);
  }
});

Deno.test("latinHypercubeDesign() spreads picks better than random, when compared by minimum distance", () => {
  const candidates = grid(12);
  const minDistance = (picks: number[]) => {
    let min = Infinity;
    for (let i = 1; i < picks.length; i++) {
      for (let j = 0; j < i; j++) {
        const a = candidates[picks[i]!]!;
        const b = candidates[picks[j]!]!;
        min = Math.min(min, Math.hypot(a[0]! - b[0]!, a[1]! - b[1]!));
      }
    }
    return min;
  };
  let lhs = 0;
  let rnd = 0;
  for (let seed = 0; seed < 20; seed++) {
    const random = seededRandom(seed);
    lhs += minDistance(latinHypercubeDesign(candidates, 8, random));
    const shuffled = candidates.map((_, i) => i).sort(() => random() - 0.5).slice(0, 8);
    rnd += minDistance(shuffled);
  }
  assert.ok(lhs > 1.5 * rnd, `LHS ${lhs / 20} vs random ${rnd / 20}`);
});

Deno.test("latinHypercubeDesign() never picks excluded candidates, when some are excluded", () => {
  const candidates = grid(5);
  const exclude = new Set([0, 1, 2, 3, 4, 12, 24]);
  const picks = latinHypercubeDesign(candidates, 10, seededRandom(1), { exclude });
  assert.equal(picks.length, 10);
  for (const p of picks) assert.ok(!exclude.has(p));
});

Deno.test("latinHypercubeDesign() returns every available candidate, when count exceeds them", () => {
  const picks = latinHypercubeDesign(grid(2), 10, seededRandom(1), { exclude: new Set([1]) });
  assert.deepEqual(picks, [0, 2, 3]);
  assert.deepEqual(latinHypercubeDesign([], 3, seededRandom(1)), []);
  assert.deepEqual(latinHypercubeDesign(grid(2), 0, seededRandom(1)), []);
});

Deno.test("latinHypercubeDesign() is deterministic, when given the same seed", () => {
  const candidates = grid(9);
  assert.deepEqual(
    latinHypercubeDesign(candidates, 7, seededRandom(11)),
    latinHypercubeDesign(candidates, 7, seededRandom(11)),
  );
});

Deno.test("latinHypercubeDesign() throws a RangeError naming the argument, when count or tries is bad", () => {
  assert.throws(
    () => latinHypercubeDesign(grid(2), -1, seededRandom(1)),
    /'count' must be a non-negative integer: current value is -1/,
  );
  assert.throws(
    () => latinHypercubeDesign(grid(2), 2, seededRandom(1), { tries: 0 }),
    /'tries' must be a positive integer: current value is 0/,
  );
});
