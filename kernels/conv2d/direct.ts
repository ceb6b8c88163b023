/**
 * Code generator of the `"direct"` conv2d algorithm: direct convolution over an input patch
 * staged in workgroup memory, with a sliding register window.
 *
 * A workgroup owns a block of output rows × columns of one image (see `directBlock`) and `tileN`
 * output channels of one group. For every slice of `tileK` input channels it copies into
 * workgroup memory the input patch the block reads (zero outside the image, rows padded to whole
 * vectors) and the slice's weights, re-laid out from ONNX order to `[ci][r][s][co]` so that a
 * thread's channels are adjacent. Each thread owns `threadRows × threadCols` output pixels
 * (`threadM` in all) and `threadN` channels: per input channel it reads the input row windows
 * its pixels need once, in vectors, then slides the kernel along them in registers, reading the
 * weights of each tap as vectors of `vec` channels. When the body stays small the kernel rows
 * are unrolled, so that an input row shared by several (pixel row, kernel row) pairs is read
 * once.
 *
 * Why this shape: on SIMD-across-invocations implementations such as Mesa's lavapipe, a load from
 * workgroup or storage memory costs tens of multiply-adds (one scalar access per lane and
 * component), so the kernel maximizes multiply-adds per loaded value with large register blocks
 * and sliding-window reuse.
 *
 * @module
 */
import type { DeviceCaps, KernelProgram } from "../types.ts";
import { type Conv2dConfig, conv2dWorkgroupSize } from "./config.ts";
import { directBlock } from "./direct_geometry.ts";
import { conv2dGrid } from "./dispatch.ts";
import { conv2dUnrollsReduction, directUnrollsRows, MAX_UNROLLED_COPIES } from "./loop_cost.ts";
import type { Conv2dProblem } from "./problem.ts";
import { conv2dProgram, epilogue, f32Type, inputIndex, toStorage } from "./wgsl.ts";

/** Re-exported from `kernels/limits.ts`, where the unroll bound is written once. */
export { MAX_UNROLLED_FMAS } from "../limits.ts";

/**
 * Statements of a cooperative copy of `units` items by `threads` threads: item `e` goes to
 * thread `e % threads`. Short copies are unrolled, long ones loop.
 */
function cooperative(units: number, threads: number, body: (indent: number) => string[]): string[] {
  const steps = Math.ceil(units / threads);
  if (steps > MAX_UNROLLED_COPIES) {
    return [`    for (var e = li; e < ${units}u; e += ${threads}u) {`, ...body(6), `    }`];
  }
  const lines: string[] = [];
  for (let t = 0; t < steps; t++) {
    const partial = (t + 1) * threads > units;
    lines.push(`    {`, `      let e = li + ${t * threads}u;`);
    if (partial) lines.push(`      if (e < ${units}u) {`);
    for (const line of body(partial ? 8 : 6)) lines.push(line);
    if (partial) lines.push(`      }`);
    lines.push(`    }`);
  }
  return lines;
}

/**
 * Generates the `"direct"` program of a problem and a config already checked by
 * `conv2dConfigError`.
 *
 * @example Generate a small direct kernel
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { parseConv2dConfig } from "./config.ts";
 * import { generateDirect } from "./direct.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 3, height: 8, width: 8, outChannels: 4, kernelH: 3, kernelW: 3,
 * });
 * const c = parseConv2dConfig({
 *   algorithm: "direct", tileM: 8, tileN: 4, tileK: 4, threadM: 2, threadN: 4, vec: 1,
 * });
 * console.log(generateDirect(p, c, DEFAULT_CAPS).workgroupSize); // [4, 1, 1]
 * ```
 */
export function generateDirect(
  problem: Conv2dProblem,
  config: Conv2dConfig,
  caps: DeviceCaps,
): KernelProgram {
  const p = problem;
  const { threadM: tm, threadN: tn, vec, tileN, tileK } = config;
  const [wgM, wgN] = conv2dWorkgroupSize(config);
  const wg = wgM * wgN;
  const grid = conv2dGrid(p, config, caps);
  const b = directBlock(p, config);
  const nhwc = p.layout === "NHWC";
  const nv = tn / vec;
  const tileNV = tileN / vec;
  const vt = f32Type(vec);
  const xt = f32Type(b.xv);
  const rs = p.kernelH * p.kernelW;
  const patchUnits = tileK * b.patchH * b.patchRowVectors;
  const weightUnits = tileK * rs * tileNV;

  const lines: string[] = [];
  const emit = (line: string, indent = 1) => lines.push("  ".repeat(indent) + line);
  emit(`let li = ${wgN > 1 ? "lid.x + lid.y * WG_M" : "lid.x"};`);
  emit(`let pt = wid.x + wid.y * FOLD_X;`);
  emit(`let live = pt < PIXEL_TILES;`);
  emit(`let ptc = min(pt, PIXEL_TILES - 1u);`);
  emit(`let bw = ptc % TILES_W;`);
  emit(`let bh = (ptc / TILES_W) % TILES_H;`);
  emit(`let n = ptc / (TILES_W * TILES_H);`);
  emit(`let oh0 = bh * (BLOCK_H * TH);`);
  emit(`let ow0 = bw * (BLOCK_W * TW);`);
  emit(`let ihb = i32(oh0 * STRIDE_H) - PAD_T;`);
  emit(`let iwb = i32(ow0 * STRIDE_W) - PAD_L;`);
  emit(`let co0 = wid.z * TILE_N;`);
  emit(`let g = min(co0, K - 1u) / NG;`);
  emit(`let tx = lid.x % BLOCK_W;`);
  emit(`let ty = lid.x / BLOCK_W;`);
  emit(`let lane = ${wgN > 1 ? "lid.y * NV" : "0u"};`);
  for (let i = 0; i < tm; i++) {
    for (let J = 0; J < nv; J++) emit(`var acc${i}_${J} = ${vt}(0.0);`);
  }
  emit(`for (var c0 = 0u; c0 < CG; c0 += TK) {`);
  // Stage the input patch: unit e is XV columns of row (e / PATCH_RV) % PATCH_H of channel
  // e / (PATCH_RV·PATCH_H).
  lines.push(...cooperative(patchUnits, wg, (d) => {
    const pad = " ".repeat(d);
    const out = [
      `${pad}let col = i32((e % PATCH_RV) * XV);`,
      `${pad}let ci = c0 + e / (PATCH_RV * PATCH_H);`,
      `${pad}let ih = ihb + i32((e / PATCH_RV) % PATCH_H);`,
      `${pad}let rowOk = ci < CG && u32(ih) < H;`,
    ];
    const lanes: string[] = [];
    for (let c = 0; c < b.xv; c++) {
      out.push(
        `${pad}let iw${c} = iwb + col + ${c}i;`,
        `${pad}let ok${c} = rowOk && u32(iw${c}) < W;`,
        `${pad}let x${c} = select(0.0, f32(input[select(0u, ${
          inputIndex(p.layout, "n", "g * CG + ci", "u32(ih)", `u32(iw${c})`)
        }, ok${c})]), ok${c});`,
      );
      lanes.push(`x${c}`);
    }
    out.push(`${pad}Xs[e] = ${b.xv === 1 ? lanes[0] : `${xt}(${lanes.join(", ")})`};`);
    return out;
  }));
  // Stage the weights: unit e is VEC channels of tap (e / TILE_NV) = (ci·R + r)·S + s.
  lines.push(...cooperative(weightUnits, wg, (d) => {
    const pad = " ".repeat(d);
    const out = [
      `${pad}let co = co0 + (e % TILE_NV) * VEC;`,
      `${pad}let tap = e / TILE_NV;`,
      `${pad}let ci = c0 + tap / (R * S);`,
      // K and co are multiples of VEC, so co < K keeps all VEC channels in range.
      `${pad}let ok = ci < CG && co < K;`,
      `${pad}let wi = select(0u, (co * CG + ci) * (R * S) + tap % (R * S), ok);`,
    ];
    const lanes = Array.from(
      { length: vec },
      (_, c) => `f32(weight[wi${c === 0 ? "" : ` + ${c}u * CG * R * S`}])`,
    );
    out.push(
      `${pad}Ws[e] = select(${vt}(0.0), ${
        vec === 1 ? lanes[0] : `${vt}(${lanes.join(", ")})`
      }, ok);`,
    );
    return out;
  }));
  emit(`workgroupBarrier();`, 2);
  emit(`for (var cb = 0u; cb < TK; cb++) {`, 2);
  const channelBody = lines.length;
  // The kernel rows run unrolled when the whole body stays small, so that a staged input row is
  // read once for every (thread row, kernel row) pair that uses it; otherwise they loop.
  const unrollR = directUnrollsRows(p, config);
  const rowsUsed = (r: number | undefined): number[] => {
    const rows = new Set<number>();
    for (let th = 0; th < b.threadRows; th++) {
      for (let r2 = 0; r2 < p.kernelH; r2++) {
        if (r === undefined ? true : r2 === r) rows.add(th * p.strideH + r2 * p.dilationH);
      }
    }
    return [...rows].sort((x, y) => x - y);
  };
  const windowValue = (row: string, offset: number): string => {
    const q = Math.floor(offset / b.xv);
    return b.xv === 1 ? `x${row}_${q}` : `x${row}_${q}[${offset % b.xv}]`;
  };
  const tapBlock = (indent: number, r: string, rowOf: (th: number) => string) => {
    for (let s = 0; s < p.kernelW; s++) {
      for (let J = 0; J < nv; J++) {
        emit(
          `let w${s}_${J} = Ws[((cb * R + ${r}) * S + ${s}u) * TILE_NV + lane + ${J}u];`,
          indent,
        );
      }
      for (let th = 0; th < b.threadRows; th++) {
        for (let tw = 0; tw < b.threadCols; tw++) {
          const x = windowValue(rowOf(th), tw * p.strideW + s * p.dilationW);
          const xs = vec === 1 ? x : `${vt}(${x})`;
          const i = th * b.threadCols + tw;
          for (let J = 0; J < nv; J++) {
            emit(`acc${i}_${J} = fma(${xs}, w${s}_${J}, acc${i}_${J});`, indent);
          }
        }
      }
    }
  };
  const loadRows = (indent: number, rows: number[], r: string | undefined) => {
    emit(
      `let xb = (cb * PATCH_H + ty * (TH * STRIDE_H)) * PATCH_RV + tx * (TW * STRIDE_W / XV);`,
      indent,
    );
    for (const row of rows) {
      const rowExpr = r === undefined ? `${row}u` : `(${row}u + ${r} * DIL_H)`;
      for (let q = 0; q < b.windowVectors; q++) {
        emit(`let x${row}_${q} = Xs[xb + ${rowExpr} * PATCH_RV + ${q}u];`, indent);
      }
    }
  };
  if (unrollR) {
    loadRows(3, rowsUsed(undefined), undefined);
    for (let r = 0; r < p.kernelH; r++) {
      emit(`{`, 3);
      tapBlock(4, `${r}u`, (th) => `${th * p.strideH + r * p.dilationH}`);
      emit(`}`, 3);
    }
  } else {
    emit(`for (var r = 0u; r < R; r++) {`, 3);
    // Row th·strideH of the patch, shifted by r·dilationH.
    loadRows(4, Array.from({ length: b.threadRows }, (_, th) => th * p.strideH), "r");
    tapBlock(4, "r", (th) => `${th * p.strideH}`);
    emit(`}`, 3);
  }
  if (conv2dUnrollsReduction(p, config)) {
    // Very many input channels: the loop over the staged ones would take the kernel past the
    // loop budget (loop_budget.ts), so its TK steps are written out instead.
    const body = lines.splice(channelBody - 1).slice(1);
    for (let cb = 0; cb < tileK; cb++) {
      lines.push(`    {`, `      let cb = ${cb}u;`, ...body, `    }`);
    }
  } else {
    emit(`}`, 2);
  }
  emit(`workgroupBarrier();`, 2);
  emit(`}`);
  // Epilogue: bias, activation, store (only live rows, columns and channels in range).
  for (let i = 0; i < tm; i++) {
    const th = Math.floor(i / b.threadCols);
    const tw = i % b.threadCols;
    emit(`{`);
    emit(`let oh = oh0 + ty * TH + ${th}u;`, 2);
    emit(`let ow = ow0 + tx * TW + ${tw}u;`, 2);
    for (let J = 0; J < nv; J++) {
      emit(`{`, 2);
      emit(`let co = co0 + (lane + ${J}u) * VEC;`, 3);
      emit(`if (live && oh < OH && ow < OW && co < K) {`, 3);
      emit(epilogue(p, "v", `acc${i}_${J}`, "co", vec), 4);
      if (nhwc) {
        const index = vec === 1
          ? `((n * OH + oh) * OW + ow) * K + co`
          : `((n * OH + oh) * OW + ow) * (K / VEC) + co / VEC`;
        emit(`output[${index}] = ${toStorage(p, "v", vec)};`, 4);
      } else {
        for (let c = 0; c < vec; c++) {
          const value = vec === 1 ? "v" : `v[${c}]`;
          emit(
            `output[((n * K + co + ${c}u) * OH + oh) * OW + ow] = ${toStorage(p, value, 1)};`,
            4,
          );
        }
      }
      emit(`}`, 3);
      emit(`}`, 2);
    }
    emit(`}`);
  }

  return conv2dProgram(p, {
    outVec: nhwc ? vec : 1,
    inVec: 1,
    declarations: [
      `const TW: u32 = ${b.threadCols}u;`,
      `const TH: u32 = ${b.threadRows}u;`,
      `const TK: u32 = ${tileK}u;`,
      `const TILE_N: u32 = ${tileN}u;`,
      `const TILE_NV: u32 = ${tileNV}u;`,
      `const NV: u32 = ${nv}u;`,
      `const VEC: u32 = ${vec}u;`,
      `const XV: u32 = ${b.xv}u;`,
      `const WG_M: u32 = ${wgM}u;`,
      `const BLOCK_W: u32 = ${b.blockW}u;`,
      `const BLOCK_H: u32 = ${b.blockH}u;`,
      `const TILES_W: u32 = ${b.tilesW}u;`,
      `const TILES_H: u32 = ${b.tilesH}u;`,
      `const PIXEL_TILES: u32 = ${grid.pixelTiles}u;`,
      `const FOLD_X: u32 = ${grid.dispatch[0]}u;`,
      `const PATCH_H: u32 = ${b.patchH}u;`,
      `const PATCH_RV: u32 = ${b.patchRowVectors}u;`,
      ``,
      `var<workgroup> Xs: array<${xt}, ${patchUnits}>;`,
      `var<workgroup> Ws: array<${vt}, ${weightUnits}>;`,
    ],
    workgroupSize: [wgM, wgN, 1],
    dispatch: grid.dispatch,
    body: lines,
  });
}
