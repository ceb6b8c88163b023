/**
 * An upper bound of the loop passes one invocation of a generated WGSL kernel runs, read from the
 * code itself: the independent check of the families' loop cost models (see `loop_budget.ts`).
 *
 * It understands the loops the generators write, `for (var v = START; v < END [&& …]; v++ | v +=
 * STEP) {`, with START, END and STEP integer expressions of literals and `const` declarations.
 * Identifiers in START that are not constants are taken as 0 (they are thread indexes, and u32);
 * identifiers in END must be given a maximum by the caller. Any other loop form (`loop`, `while`)
 * throws, so a generator that adds one cannot slip past the check.
 *
 * @module
 */
import { loopCost } from "./loop_budget.ts";

type Tokens = { list: string[]; at: number };

function parseExpr(t: Tokens, vars: ReadonlyMap<string, number>): number {
  let value = parseTerm(t, vars);
  while (t.list[t.at] === "+" || t.list[t.at] === "-") {
    const op = t.list[t.at++];
    const rhs = parseTerm(t, vars);
    value = op === "+" ? value + rhs : value - rhs;
  }
  return value;
}

function parseTerm(t: Tokens, vars: ReadonlyMap<string, number>): number {
  let value = parseAtom(t, vars);
  while (t.list[t.at] === "*" || t.list[t.at] === "/" || t.list[t.at] === "%") {
    const op = t.list[t.at++];
    const rhs = parseAtom(t, vars);
    value = op === "*" ? value * rhs : op === "/" ? Math.trunc(value / rhs) : value % rhs;
  }
  return value;
}

function parseAtom(t: Tokens, vars: ReadonlyMap<string, number>): number {
  const token = t.list[t.at++];
  if (token === undefined) throw new SyntaxError("unexpected end of a loop bound expression");
  if (token === "(") {
    const value = parseExpr(t, vars);
    if (t.list[t.at++] !== ")") throw new SyntaxError("missing ')' in a loop bound expression");
    return value;
  }
  const literal = /^(\d+)[ui]?$/.exec(token);
  if (literal) return Number(literal[1]);
  const value = vars.get(token);
  if (value === undefined) throw new RangeError(`unknown identifier '${token}' in a loop bound`);
  return value;
}

/** Evaluates an integer WGSL expression of literals and the given identifiers. */
function evaluate(expr: string, vars: ReadonlyMap<string, number>): number {
  const list = expr.match(/\d+[ui]?|[A-Za-z_]\w*|[-+*/%()]/g) ?? [];
  const t = { list, at: 0 };
  const value = parseExpr(t, vars);
  if (t.at !== list.length) throw new SyntaxError(`cannot evaluate loop bound '${expr}'`);
  return value;
}

const HEADER = /for \(var (\w+)(?:: \w+)? = ([^;]+); ([^;]+); ([^)]+)\) \{/;

/** Trip count bound of one `for` header. */
function trips(
  header: RegExpExecArray,
  consts: ReadonlyMap<string, number>,
  maxima: ReadonlyMap<string, number>,
): number {
  const [, v, startExpr, cond, inc] = header as unknown as [string, string, string, string, string];
  // Unknown identifiers in the start are u32 thread indexes: 0 gives the most passes.
  const startVars = new Map(consts);
  for (const id of startExpr.match(/[A-Za-z_]\w*/g) ?? []) {
    if (!startVars.has(id)) startVars.set(id, 0);
  }
  const start = evaluate(startExpr, startVars);
  const endVars = new Map([...consts, ...maxima]);
  let end = Infinity;
  for (const conjunct of cond.split("&&")) {
    const m = new RegExp(`^\\s*${v} < (.+?)\\s*$`).exec(conjunct);
    if (m) end = Math.min(end, evaluate(m[1]!, endVars));
  }
  if (end === Infinity) throw new SyntaxError(`loop '${v}' has no bound of the form '${v} < …'`);
  let step: number;
  if (inc.trim() === `${v}++`) step = 1;
  else {
    const m = new RegExp(`^\\s*${v} \\+= (.+?)\\s*$`).exec(inc);
    if (!m) throw new SyntaxError(`loop '${v}' has an increment this check does not know: ${inc}`);
    step = evaluate(m[1]!, consts);
  }
  if (!(step > 0)) throw new RangeError(`loop '${v}' has a step of ${step}`);
  return Math.max(0, Math.ceil((end - start) / step));
}

/**
 * An upper bound of the loop passes (see `loop_budget.ts`) one invocation of `code` runs: every
 * `for` loop's trip count bounded from its header, nested loops multiplied out. `maxima` bounds
 * the runtime values that appear in loop ends (for example `kvEnd`).
 *
 * @example Two nested loops
 * ```ts
 * import { wgslLoopBound } from "./wgsl_loop_bound.ts";
 * const code = `const N: u32 = 10u;
 * fn main() {
 *   for (var i = 0u; i < N; i++) {
 *     for (var j = 0u; j < 8u; j += 2u) { }
 *   }
 * }`;
 * console.log(wgslLoopBound(code)); // 10 * (1 + 4 + 1) + 1 = 61
 * ```
 */
export function wgslLoopBound(
  code: string,
  maxima: ReadonlyMap<string, number> = new Map(),
): number {
  const consts = new Map<string, number>();
  for (const m of code.matchAll(/const (\w+): [iu]32 = (\d+)[ui]?;/g)) {
    consts.set(m[1]!, Number(m[2]));
  }
  if (/\bloop\s*\{|\bwhile\b/.test(code)) {
    throw new SyntaxError("the code has a 'loop' or 'while' loop, which this check cannot bound");
  }
  // A frame per open brace: loops carry their trip count and the cost of what they contain.
  const stack: Array<{ trips: number | undefined; inner: number }> = [{
    trips: undefined,
    inner: 0,
  }];
  let pendingTrips: number | undefined;
  let i = 0;
  while (i < code.length) {
    if (code.startsWith("for (", i)) {
      const header = HEADER.exec(code.slice(i, code.indexOf("{", i) + 1));
      if (!header) throw new SyntaxError(`cannot read the loop header at ${i}`);
      pendingTrips = trips(header, consts, maxima);
      i += header[0].length - 1;
      continue;
    }
    const ch = code[i];
    if (ch === "{") {
      stack.push({ trips: pendingTrips, inner: 0 });
      pendingTrips = undefined;
    } else if (ch === "}") {
      const frame = stack.pop();
      const parent = stack[stack.length - 1];
      if (!frame || !parent) throw new SyntaxError("unbalanced braces");
      parent.inner += frame.trips === undefined ? frame.inner : loopCost(frame.trips, frame.inner);
    }
    i++;
  }
  if (stack.length !== 1) throw new SyntaxError("unbalanced braces");
  return stack[0]!.inner;
}
