/**
 * The inner loop of polyphase.ts in WebAssembly SIMD: four taps per instruction (f32x4), ~8× the
 * plain JavaScript loop, which alone was still slower than spawning ffmpeg on a 60 s file. No
 * compiler for WebAssembly is an npm dependency here, so the module (one function, ~150 bytes) is
 * assembled below from named instructions; polyphaseResampleJs in polyphase.ts computes the same
 * thing in JavaScript and the tests hold the two together (test/audio/resample.test.ts).
 *
 * run(x, h, taps, up, q, r, p, len, y): for j in 0…len−1, y[j] = Σ_i h[p·taps + i] · x[n0 + i]
 * (float32 lanes), with n0 starting at 0 and advancing by q (+1 when p wraps past up) and p by r.
 * x, h, y are byte addresses in the module's memory; taps is a multiple of 8.
 */

const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
};
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => vec([...s].map((c) => [c.charCodeAt(0)]));

// Locals: the nine parameters, then j, n0, hp, xp, end (i32) and two accumulators (v128): two independent
// chains of adds, so one add's latency does not stall the next (the loop ran ~1.6× slower with one).
const [X, H, TAPS, UP, Q, R, P, LEN, Y, J, N0, HP, XP, END, ACC, ACC2] = Array.from({ length: 16 }, (_, i) => i);
const I32 = 0x7f;
const V128 = 0x7b;

const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const tee = (i: number) => [0x22, ...uleb(i)];
const i32 = (v: number) => [0x41, ...sleb(v)];
const add = [0x6a];
const sub = [0x6b];
const mul = [0x6c];
const shl = [0x74];
const geU = [0x4f];
const ltU = [0x49];
const f32Add = [0x92];
const f32Store = [0x38, 2, 0]; // align 2^2, offset 0
const v128Load = [0xfd, ...uleb(0x00), 0, 0];
const v128Load16 = [0xfd, ...uleb(0x00), 0, 16]; // offset 16: the next four taps
const v128Zero = [0xfd, ...uleb(0x0c), ...new Array<number>(16).fill(0)];
const f32x4Add = [0xfd, ...uleb(0xe4)];
const f32x4Mul = [0xfd, ...uleb(0xe6)];
const lane = (k: number) => [0xfd, ...uleb(0x1f), k];
const block = [0x02, 0x40];
const loop = [0x03, 0x40];
const ifThen = [0x04, 0x40];
const end = [0x0b];
const brIf = (d: number) => [0x0d, ...uleb(d)];
const br = (d: number) => [0x0c, ...uleb(d)];
const times4 = [...i32(2), ...shl];

const body = [
  ...block,
  ...loop,
  ...get(J),
  ...get(LEN),
  ...geU,
  ...brIf(1),
  ...v128Zero,
  ...set(ACC),
  ...v128Zero,
  ...set(ACC2),
  ...get(H),
  ...get(P),
  ...get(TAPS),
  ...mul,
  ...times4,
  ...add,
  ...tee(HP),
  ...get(TAPS),
  ...times4,
  ...add,
  ...set(END),
  ...get(X),
  ...get(N0),
  ...times4,
  ...add,
  ...set(XP),
  ...loop,
  ...get(ACC),
  ...get(HP),
  ...v128Load,
  ...get(XP),
  ...v128Load,
  ...f32x4Mul,
  ...f32x4Add,
  ...set(ACC),
  ...get(ACC2),
  ...get(HP),
  ...v128Load16,
  ...get(XP),
  ...v128Load16,
  ...f32x4Mul,
  ...f32x4Add,
  ...set(ACC2),
  ...get(HP),
  ...i32(32),
  ...add,
  ...set(HP),
  ...get(XP),
  ...i32(32),
  ...add,
  ...set(XP),
  ...get(HP),
  ...get(END),
  ...ltU,
  ...brIf(0),
  ...end,
  ...get(Y),
  ...get(J),
  ...times4,
  ...add,
  ...get(ACC),
  ...get(ACC2),
  ...f32x4Add,
  ...set(ACC),
  ...get(ACC),
  ...lane(0),
  ...get(ACC),
  ...lane(1),
  ...f32Add,
  ...get(ACC),
  ...lane(2),
  ...f32Add,
  ...get(ACC),
  ...lane(3),
  ...f32Add,
  ...f32Store,
  ...get(N0),
  ...get(Q),
  ...add,
  ...set(N0),
  ...get(P),
  ...get(R),
  ...add,
  ...tee(P),
  ...get(UP),
  ...geU,
  ...ifThen,
  ...get(P),
  ...get(UP),
  ...sub,
  ...set(P),
  ...get(N0),
  ...i32(1),
  ...add,
  ...set(N0),
  ...end,
  ...get(J),
  ...i32(1),
  ...add,
  ...set(J),
  ...br(0),
  ...end,
  ...end,
  ...end,
];
const code = [
  ...vec([
    [5, I32],
    [2, V128],
  ]),
  ...body,
];

const wasm = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  1,
  0,
  0,
  0,
  ...section(1, vec([[0x60, ...vec(new Array<number[]>(9).fill([I32])), 0]])),
  ...section(3, vec([[0]])),
  ...section(5, vec([[0x00, 1]])), // one memory, at least one page, grown as needed
  ...section(
    7,
    vec([
      [...name('mem'), 0x02, 0],
      [...name('run'), 0x00, 0],
    ]),
  ),
  ...section(10, vec([[...uleb(code.length), ...code]])),
]);

export interface SimdKernel {
  memory: WebAssembly.Memory;
  run: (x: number, h: number, taps: number, up: number, q: number, r: number, p: number, len: number, y: number) => void;
}

let kernel: SimdKernel | null | undefined;

/** The kernel, compiled once per thread; null where WebAssembly SIMD is unavailable (the JS loop is used). */
export function simdKernel(): SimdKernel | null {
  if (kernel !== undefined) return kernel;
  try {
    const inst = new WebAssembly.Instance(new WebAssembly.Module(wasm));
    kernel = { memory: inst.exports.mem as WebAssembly.Memory, run: inst.exports.run as SimdKernel['run'] };
  } catch {
    kernel = null;
  }
  return kernel;
}
