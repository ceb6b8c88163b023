/**
 * Code generator of the `"gemm"` conv2d algorithm: implicit GEMM with workgroup-memory tiles.
 *
 * Per group, `out[m, n] = Σ_k A[m, k] · B[k, n]` with M = batch·outH·outW output pixels,
 * N = outC/groups channels and K = (inC/groups)·kH·kW. A is the im2col matrix, never stored: the
 * workgroup gathers each tileM×tileK slice of it straight from the input (zero in the padding),
 * and a tileK×tileN slice of the ONNX-ordered weights, into workgroup memory; each thread then
 * accumulates a threadM×threadN register tile of consecutive pixels and channels, reading both
 * slices in vectors (pixels in vectors of the largest of 4, 2, 1 dividing threadM, channels in
 * vectors of `vec`). K runs over (ci, r, s) for NCHW and over (r, s, ci) for
 * NHWC, so that neighbouring threads gather neighbouring input elements in both layouts.
 *
 * @module
 */
import type { DeviceCaps, KernelProgram } from "../types.ts";
import { type Conv2dConfig, conv2dWorkgroupSize, pixelVectorWidth } from "./config.ts";
import { conv2dGrid } from "./dispatch.ts";
import { conv2dUnrollsReduction, MAX_UNROLLED_COPIES } from "./loop_cost.ts";
import { conv2dDims, type Conv2dProblem } from "./problem.ts";
import { conv2dProgram, epilogue, f32Type, inputIndex, toStorage } from "./wgsl.ts";

/**
 * Generates the `"gemm"` program of a problem and a config already checked by
 * `conv2dConfigError`.
 *
 * @example Generate a small implicit-GEMM kernel
 * ```ts
 * import { DEFAULT_CAPS } from "../types.ts";
 * import { parseConv2dConfig } from "./config.ts";
 * import { generateGemm } from "./gemm.ts";
 * import { normalizeConv2dProblem } from "./problem.ts";
 * const p = normalizeConv2dProblem({
 *   batch: 1, inChannels: 3, height: 8, width: 8, outChannels: 4, kernelH: 3, kernelW: 3,
 * });
 * const c = parseConv2dConfig({
 *   algorithm: "gemm", tileM: 32, tileN: 4, tileK: 8, threadM: 4, threadN: 4, vec: 4,
 * });
 * console.log(generateGemm(p, c, DEFAULT_CAPS).dispatch); // [2, 1, 1]
 * ```
 */
export function generateGemm(
  problem: Conv2dProblem,
  config: Conv2dConfig,
  caps: DeviceCaps,
): KernelProgram {
  const p = problem;
  const { ng } = conv2dDims(p);
  const { tileM, tileN, tileK, threadM: tm, threadN: tn, vec } = config;
  const [wgM, wgN] = conv2dWorkgroupSize(config);
  const wg = wgM * wgN;
  const grid = conv2dGrid(p, config, caps);
  const nhwc = p.layout === "NHWC";
  const av = pixelVectorWidth(tm);
  const nv = tn / vec;
  const tileNV = tileN / vec;
  const tileMV = tileM / av;
  const vt = f32Type(vec);
  const at = f32Type(av);
  const channelTilesPerGroup = Math.ceil(ng / tileN);

  const body: string[] = [];
  const emit = (line: string, indent = 1) => body.push("  ".repeat(indent) + line);
  const cooperative = (units: number, inner: (d: number) => void) => {
    if (Math.ceil(units / wg) > MAX_UNROLLED_COPIES) {
      emit(`for (var e = li; e < ${units}u; e += ${wg}u) {`, 2);
      inner(3);
      emit(`}`, 2);
      return;
    }
    for (let t = 0; t * wg < units; t++) {
      const partial = (t + 1) * wg > units;
      emit(`{`, 2);
      emit(`let e = li + ${t * wg}u;`, 3);
      if (partial) emit(`if (e < ${units}u) {`, 3);
      inner(partial ? 4 : 3);
      if (partial) emit(`}`, 3);
      emit(`}`, 2);
    }
  };
  emit(`let li = ${wgN > 1 ? "lid.x + lid.y * WG_M" : "lid.x"};`);
  emit(`let m0 = (wid.x + wid.y * FOLD_X) * TILE_M;`);
  emit(`let g = wid.z / CHANNEL_TILES;`);
  emit(`let n0 = (wid.z % CHANNEL_TILES) * TILE_N;`);
  emit(`let lane = ${wgN > 1 ? "lid.y * NV" : "0u"};`);
  for (let i = 0; i < tm; i++) {
    for (let J = 0; J < nv; J++) emit(`var acc${i}_${J} = ${vt}(0.0);`);
  }
  emit(`for (var k0 = 0u; k0 < KK; k0 += TK) {`);
  // Gather the A slice (im2col of the input): unit e is AV consecutive pixels of one k, stored
  // at As[kk][mm / AV].
  cooperative(tileK * tileMV, (d) => {
    if (nhwc) {
      emit(`let kk = e % TK;`, d);
      emit(`let mm = (e / TK) * AV;`, d);
    } else {
      emit(`let mm = (e % TILE_MV) * AV;`, d);
      emit(`let kk = e / TILE_MV;`, d);
    }
    emit(`let k = k0 + kk;`, d);
    if (nhwc) {
      emit(`let r = k / (S * CG);`, d);
      emit(`let s = (k / CG) % S;`, d);
      emit(`let ci = k % CG;`, d);
    } else {
      emit(`let ci = k / (R * S);`, d);
      emit(`let r = (k / S) % R;`, d);
      emit(`let s = k % S;`, d);
    }
    emit(`let kOk = k < KK;`, d);
    emit(`let dh = r * DIL_H;`, d);
    emit(`let dw = s * DIL_W;`, d);
    const lanes: string[] = [];
    for (let c = 0; c < av; c++) {
      emit(`let pm${c} = m0 + mm + ${c}u;`, d);
      emit(`let pw${c} = pm${c} % OW;`, d);
      emit(`let ph${c} = (pm${c} / OW) % OH;`, d);
      emit(`let pn${c} = pm${c} / (OW * OH);`, d);
      emit(`let ih${c} = i32(ph${c} * STRIDE_H + dh) - PAD_T;`, d);
      emit(`let iw${c} = i32(pw${c} * STRIDE_W + dw) - PAD_L;`, d);
      emit(`let ok${c} = kOk && pm${c} < M && u32(ih${c}) < H && u32(iw${c}) < W;`, d);
      const index = inputIndex(p.layout, `pn${c}`, "g * CG + ci", `u32(ih${c})`, `u32(iw${c})`);
      emit(`let a${c} = select(0.0, f32(input[select(0u, ${index}, ok${c})]), ok${c});`, d);
      lanes.push(`a${c}`);
    }
    emit(`As[kk * TILE_MV + mm / AV] = ${av === 1 ? lanes[0] : `${at}(${lanes.join(", ")})`};`, d);
  });
  // Load the B slice (weights, ONNX order [co][ci][r][s]): unit e is VEC consecutive channels of
  // one k, stored at Bs[kk][nn / VEC].
  cooperative(tileK * tileNV, (d) => {
    emit(`let nn = (e % TILE_NV) * VEC;`, d);
    emit(`let kk = e / TILE_NV;`, d);
    emit(`let k = k0 + kk;`, d);
    if (nhwc) {
      emit(`let kw = ((k % CG) * R + k / (S * CG)) * S + (k / CG) % S;`, d);
    } else {
      emit(`let kw = k;`, d);
    }
    // NG and nn are multiples of VEC, so n0 + nn < NG keeps all VEC channels in range.
    emit(`let ok = n0 + nn < NG && k < KK;`, d);
    emit(`let wi = select(0u, (g * NG + n0 + nn) * KK + kw, ok);`, d);
    const lanes = Array.from(
      { length: vec },
      (_, c) => `f32(weight[wi${c ? ` + ${c}u * KK` : ""}])`,
    );
    const value = vec === 1 ? lanes[0]! : `${vt}(${lanes.join(", ")})`;
    emit(`Bs[kk * TILE_NV + nn / VEC] = select(${vt}(0.0), ${value}, ok);`, d);
  });
  emit(`workgroupBarrier();`, 2);
  emit(`for (var kk = 0u; kk < TK; kk++) {`, 2);
  const stepBody = body.length;
  for (let q = 0; q < tm / av; q++) {
    emit(`let a${q} = As[kk * TILE_MV + lid.x * (TM / AV) + ${q}u];`, 3);
  }
  for (let J = 0; J < nv; J++) emit(`let b${J} = Bs[kk * TILE_NV + lane + ${J}u];`, 3);
  for (let i = 0; i < tm; i++) {
    const a = av === 1 ? `a${i}` : `a${Math.floor(i / av)}[${i % av}]`;
    const as = vec === 1 ? a : `${vt}(${a})`;
    for (let J = 0; J < nv; J++) emit(`acc${i}_${J} = fma(${as}, b${J}, acc${i}_${J});`, 3);
  }
  if (conv2dUnrollsReduction(p, config)) {
    // A very long K: the loop over the staged K values would take the kernel past the loop
    // budget (loop_budget.ts), so its TK steps are written out instead.
    const step = body.splice(stepBody - 1).slice(1);
    for (let kk = 0; kk < tileK; kk++) {
      body.push(`    {`, `      let kk = ${kk}u;`, ...step, `    }`);
    }
  } else {
    emit(`}`, 2);
  }
  emit(`workgroupBarrier();`, 2);
  emit(`}`);
  // Epilogue.
  for (let i = 0; i < tm; i++) {
    emit(`{`);
    emit(`let m = m0 + lid.x * TM + ${i}u;`, 2);
    emit(`let n = m / (OH * OW);`, 2);
    emit(`let pix = m % (OH * OW);`, 2);
    for (let J = 0; J < nv; J++) {
      emit(`{`, 2);
      emit(`let nl = n0 + (lane + ${J}u) * VEC;`, 3);
      emit(`let co = g * NG + nl;`, 3);
      emit(`if (m < M && nl < NG) {`, 3);
      emit(epilogue(p, "v", `acc${i}_${J}`, "co", vec), 4);
      if (nhwc) {
        const index = vec === 1 ? `m * K + co` : `m * (K / VEC) + co / VEC`;
        emit(`output[${index}] = ${toStorage(p, "v", vec)};`, 4);
      } else {
        for (let c = 0; c < vec; c++) {
          const lane = vec === 1 ? "v" : `v[${c}]`;
          emit(`output[(n * K + co + ${c}u) * (OH * OW) + pix] = ${toStorage(p, lane, 1)};`, 4);
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
      `const TILE_M: u32 = ${tileM}u;`,
      `const TILE_MV: u32 = ${tileMV}u;`,
      `const TILE_N: u32 = ${tileN}u;`,
      `const TILE_NV: u32 = ${tileNV}u;`,
      `const TK: u32 = ${tileK}u;`,
      `const TM: u32 = ${tm}u;`,
      `const NV: u32 = ${nv}u;`,
      `const VEC: u32 = ${vec}u;`,
      `const AV: u32 = ${av}u;`,
      `const WG_M: u32 = ${wgM}u;`,
      `const CHANNEL_TILES: u32 = ${channelTilesPerGroup}u;`,
      `const FOLD_X: u32 = ${grid.dispatch[0]}u;`,
      ``,
      `var<workgroup> As: array<${at}, ${tileK * tileMV}>;`,
      `var<workgroup> Bs: array<${vt}, ${tileK * tileNV}>;`,
    ],
    workgroupSize: [wgM, wgN, 1],
    dispatch: grid.dispatch,
    body,
  });
}
