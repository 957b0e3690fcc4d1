/**
 * CLAP runtime: both towers on onnxruntime-node, the bundle's tokenizer through transformers.js,
 * L2-normalised 512-d embeddings, a text-embedding cache and zero-shot scores (SPEC §3).
 */
import path from 'node:path';
import ort from 'onnxruntime-node';
import { EarshotError } from '../errors.js';
import type { ClapFeatures, FeatureMode } from '../features/index.js';
import { loadBundle, type BundleManifest, type ModelBundle } from './bundle.js';
import { loadCalibration, type Calibration } from './calibration.js';
import { Lru } from './lru.js';
import { ThreadedSession } from './threaded-session.js';

export { loadBundle, type BundleManifest, type ModelBundle } from './bundle.js';
export { loadCalibration, probability, cosineAt, fitLogistic, CALIBRATION_FILE, type Calibration, type CalibrationCurve } from './calibration.js';

export interface RuntimeOptions {
  provider: 'cpu' | 'cuda';
  intraOpThreads: number;
  textCacheSize: number;
}

export interface ModelIdentity {
  name: string;
  version: string;
  dim: number;
  featureMode: FeatureMode;
}

export interface LabelScore {
  label: string;
  score: number;
  cosine: number;
}

export interface ZeroShotOptions {
  template?: string;
  multiLabel?: boolean;
}

type Tokenizer = (
  texts: string[],
  opts: { padding: boolean; truncation: boolean; max_length?: number; add_special_tokens?: boolean },
) => { input_ids: { data: BigInt64Array; dims: number[] }; attention_mask: { data: BigInt64Array; dims: number[] } };

async function loadTokenizer(bundle: ModelBundle): Promise<Tokenizer> {
  const tf = await import('@huggingface/transformers');
  // Offline by construction: the tokenizer comes from the bundle folder, never from the hub.
  tf.env.allowRemoteModels = false;
  tf.env.allowLocalModels = true;
  tf.env.localModelPath = path.dirname(bundle.dir) + path.sep;
  try {
    const tok = await tf.AutoTokenizer.from_pretrained(path.basename(bundle.dir));
    return tok;
  } catch (e) {
    throw new EarshotError('MODEL_INVALID', `cannot load the tokenizer: ${(e as Error).message}`, { subject: bundle.tokenizerPath, cause: e });
  }
}

function normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const k = s > 0 ? 1 / Math.sqrt(s) : 0;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] * k;
  return out;
}

function rows(t: ort.Tensor, dim: number): Float32Array[] {
  const data = t.data as Float32Array;
  const n = data.length / dim;
  return Array.from({ length: n }, (_, i) => normalise(data.subarray(i * dim, (i + 1) * dim)));
}

/** The contract's output name when the graph has it (Xenova's exports also output last_hidden_state), else the first output. */
function pick(names: readonly string[], want: string): string {
  return names.includes(want) ? want : names[0];
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Default cosine at which a multi-label score is 0.5, when the bundle names none. */
const MULTI_LABEL_COSINE = 0.2;

export class ClapRuntime {
  readonly identity: ModelIdentity;
  readonly manifest: BundleManifest;
  /** The bundle's calibration.json when it was fitted on these towers; see calibrationNote otherwise. */
  calibration: Calibration | null = null;
  calibrationNote: string | null = null;
  private readonly textCache: Lru<string, Float32Array>;
  private readonly padId: number;
  /** Whether the text graph declares attention_mask (fed only then). */
  private readonly textHasMask: boolean;
  /** The tokenizer's unknown token (word-level vocabularies map unseen words to it), null if it has none. */
  private readonly unkId: number | null;

  private constructor(
    readonly bundle: ModelBundle,
    private readonly audio: ThreadedSession,
    private readonly text: ThreadedSession,
    private readonly tokenizer: Tokenizer,
    opts: RuntimeOptions,
  ) {
    this.padId = (tokenizer as unknown as { pad_token_id?: number }).pad_token_id ?? 1; // RoBERTa's <pad>
    this.textHasMask = text.inputNames.includes('attention_mask');
    this.unkId = (tokenizer as unknown as { unk_token_id?: number | null }).unk_token_id ?? null;
    this.manifest = bundle.manifest;
    this.identity = { name: bundle.manifest.name, version: bundle.version, dim: bundle.manifest.embeddingDim, featureMode: bundle.manifest.featureMode };
    this.textCache = new Lru(opts.textCacheSize);
  }

  static async open(bundle: ModelBundle, opts: RuntimeOptions): Promise<ClapRuntime> {
    const session = async (file: string, providers: string[]) => {
      try {
        return await ThreadedSession.create(file, {
          executionProviders: providers,
          intraOpNumThreads: opts.intraOpThreads,
          graphOptimizationLevel: 'all',
        });
      } catch (e) {
        throw new EarshotError('MODEL_INVALID', `onnxruntime cannot load ${path.basename(file)}: ${(e as Error).message}`, { subject: file, cause: e });
      }
    };
    let providers = opts.provider === 'cuda' ? ['cuda', 'cpu'] : ['cpu'];
    let audio: ThreadedSession;
    try {
      audio = await session(bundle.audioPath, providers);
    } catch (e) {
      if (opts.provider !== 'cuda') throw e;
      process.emitWarning(`CUDA execution provider unavailable, running ${bundle.manifest.name} on CPU: ${(e as Error).message}`);
      providers = ['cpu'];
      audio = await session(bundle.audioPath, providers);
    }
    const text = await session(bundle.textPath, providers).catch(async (e) => {
      await audio.release();
      throw e;
    });
    try {
      const want = bundle.manifest.featureMode === 'fusion' ? ['input_features', 'is_longer'] : ['input_features'];
      for (const name of want) {
        if (!audio.inputNames.includes(name)) {
          throw new EarshotError('MODEL_INVALID', `audio tower has no input "${name}" (inputs: ${audio.inputNames.join(', ')}) for featureMode ${bundle.manifest.featureMode}`, {
            subject: bundle.audioPath,
          });
        }
      }
      // attention_mask is optional: some exports (a text tower traced without padding) declare only input_ids.
      const textInputs = new Set(text.inputNames);
      if (!textInputs.has('input_ids') || [...textInputs].some((n) => n !== 'input_ids' && n !== 'attention_mask')) {
        throw new EarshotError('MODEL_INVALID', `text tower needs input "input_ids" and at most "attention_mask" besides (inputs: ${text.inputNames.join(', ')})`, {
          subject: bundle.textPath,
        });
      }
      const rt = new ClapRuntime(bundle, audio, text, await loadTokenizer(bundle), opts);
      const cal = await loadCalibration(bundle.dir, bundle.version);
      rt.calibration = cal.calibration;
      rt.calibrationNote = cal.reason;
      return rt;
    } catch (e) {
      await Promise.all([audio.release(), text.release()]);
      throw e;
    }
  }

  static async openDir(dir: string, opts: RuntimeOptions): Promise<ClapRuntime> {
    return ClapRuntime.open(await loadBundle(dir), opts);
  }

  /**
   * One forward pass over the batch (or chunks of the bundle's maxAudioBatch); L2-normalised rows in
   * input order. A maxAudioBatch graph is fixed at exactly that many clips (the exporter's
   * `--audio-batch N`): a shorter chunk is padded with copies of its last clip, whose rows are dropped.
   */
  async embedAudio(batch: ClapFeatures[]): Promise<Float32Array[]> {
    if (batch.length === 0) return [];
    const max = this.manifest.maxAudioBatch;
    if (max && batch.length > max) {
      const out: Float32Array[] = [];
      for (let i = 0; i < batch.length; i += max) out.push(...(await this.embedAudio(batch.slice(i, i + max))));
      return out;
    }
    if (max && batch.length < max) {
      const padded = [...batch, ...Array.from({ length: max - batch.length }, () => batch[batch.length - 1])];
      return (await this.embedAudio(padded)).slice(0, batch.length);
    }
    const ch = this.identity.featureMode === 'fusion' ? 4 : 1;
    const per = ch * 1001 * 64;
    const data = new Float32Array(batch.length * per);
    const longer = new Uint8Array(batch.length);
    batch.forEach((f, i) => {
      if (f.channels !== ch || f.data.length !== per) {
        throw new EarshotError('MODEL_MISMATCH', `features have ${f.channels} channel(s); model ${this.identity.name} (${this.identity.featureMode}) needs ${ch}`, {
          subject: this.identity.name,
        });
      }
      data.set(f.data, i * per);
      longer[i] = f.isLonger ? 1 : 0;
    });
    const feeds: Record<string, ort.Tensor> = { input_features: new ort.Tensor('float32', data, [batch.length, ch, 1001, 64]) };
    if (ch === 4) feeds.is_longer = new ort.Tensor('bool', longer, [batch.length, 1]);
    try {
      const out = await this.audio.run(feeds);
      return rows(out[pick(this.audio.outputNames, 'audio_embeds')], this.identity.dim);
    } catch (e) {
      throw new EarshotError('INFERENCE_FAILED', `audio tower failed: ${(e as Error).message}`, { subject: this.identity.name, cause: e });
    }
  }

  /** Text embeddings, cached per exact string. */
  async embedText(texts: string[]): Promise<Float32Array[]> {
    const out: (Float32Array | undefined)[] = texts.map((t) => this.textCache.get(t));
    const todo = [...new Set(texts.filter((_, i) => !out[i]))];
    if (todo.length) {
      const enc = todo.map((t) => this.encode(t));
      const S = Math.max(...enc.map((e) => e.length));
      const idData = new BigInt64Array(todo.length * S).fill(BigInt(this.padId));
      const maskData = new BigInt64Array(todo.length * S);
      enc.forEach((e, i) =>
        e.forEach((id, j) => {
          idData[i * S + j] = BigInt(id);
          maskData[i * S + j] = 1n;
        }),
      );
      const ids = new ort.Tensor('int64', idData, [todo.length, S]);
      const mask = new ort.Tensor('int64', maskData, [todo.length, S]);
      let res: Record<string, ort.Tensor>;
      try {
        res = await this.text.run(this.textHasMask ? { input_ids: ids, attention_mask: mask } : { input_ids: ids });
      } catch (e) {
        throw new EarshotError('INFERENCE_FAILED', `text tower failed: ${(e as Error).message}`, { subject: this.identity.name, cause: e });
      }
      const vecs = rows(res[pick(this.text.outputNames, 'text_embeds')], this.identity.dim);
      todo.forEach((t, i) => this.textCache.set(t, vecs[i]));
      const fresh = new Map(todo.map((t, i) => [t, vecs[i]]));
      texts.forEach((t, i) => (out[i] ??= fresh.get(t)));
    }
    return out as Float32Array[];
  }

  /**
   * Token ids as the text tower sees them. Truncation to maxTextLength keeps the closing special token
   * (</s>), as Python's tokenizers do (transformers.js cuts after adding it, which would drop it).
   */
  tokenize(text: string): number[] {
    return this.encode(text);
  }

  private encode(text: string): number[] {
    let ids: number[];
    try {
      const enc = this.tokenizer([text], { padding: false, truncation: false, max_length: this.manifest.maxTextLength });
      ids = Array.from(enc.input_ids.data, Number);
    } catch (e) {
      // e.g. a tokenizer_config.json without unk_token and a word outside a word-level vocabulary
      throw new EarshotError('MODEL_INVALID', `the tokenizer cannot encode ${JSON.stringify(text.slice(0, 80))}: ${(e as Error).message}`, {
        subject: this.bundle.tokenizerPath,
        cause: e,
      });
    }
    const max = this.manifest.maxTextLength;
    return ids.length <= max ? ids : [...ids.slice(0, max - 1), ids[ids.length - 1]];
  }

  /**
   * The words of `text` (lower case, split on anything not a letter or digit) that the text tower cannot
   * represent: each word alone tokenizes to the unknown token. Word-level vocabularies (clap-mini) have
   * such words; byte-level BPE (every real CLAP) never produces its <unk>, so there the answer is [].
   */
  unknownWords(text: string): string[] {
    if (this.unkId === null) return [];
    const out: string[] = [];
    for (const w of new Set(
      text
        .toLowerCase()
        .split(/[^\p{L}\p{N}]+/u)
        .filter(Boolean),
    )) {
      let ids: number[];
      try {
        ids = Array.from(this.tokenizer([w], { padding: false, truncation: false, add_special_tokens: false }).input_ids.data, Number);
      } catch {
        ids = [this.unkId]; // a word-level tokenizer without unk_token throws on an unseen word
      }
      if (ids.includes(this.unkId)) out.push(w);
    }
    return out;
  }

  /** ms the audio tower has spent in forward passes (timed in its thread); bench:ingest reads it. */
  get audioBusyMs(): number {
    return this.audio.busyMs;
  }

  get textCacheStats(): { hits: number; misses: number; size: number } {
    return { hits: this.textCache.hits, misses: this.textCache.misses, size: this.textCache.size };
  }

  /**
   * Zero-shot scores of one (normalised) audio embedding against labels, in label order.
   * Single-label: softmax(exp(logitScaleA)·cos) over the labels (SPEC §3.1).
   * Multi-label: each label alone, sigmoid(exp(logitScaleA)·(cos − c0)), where c0 is the bundle's
   * multiLabelCosine (0.2 by default): a label scores 0.5 at that cosine, independent of the others.
   */
  async zeroShot(audio: Float32Array, labels: string[], opts: ZeroShotOptions = {}): Promise<LabelScore[]> {
    const template = opts.template ?? this.manifest.promptTemplate;
    const prompts = labels.map((l) => (template.includes('{}') ? template.replaceAll('{}', l) : `${template} ${l}`));
    return scoreLabels(audio, labels, await this.embedText(prompts), this.manifest, opts.multiLabel ?? false);
  }

  async close(): Promise<void> {
    await Promise.all([this.audio.release(), this.text.release()]);
  }
}

/** Scores of an audio embedding against precomputed label embeddings (shared by single clips and windows). */
export function scoreLabels(audio: Float32Array, labels: string[], textEmb: Float32Array[], m: BundleManifest, multiLabel: boolean): LabelScore[] {
  const scale = Math.exp(m.logitScaleA);
  const cos = textEmb.map((t) => cosine(audio, t));
  if (multiLabel) {
    const c0 = m.multiLabelCosine ?? MULTI_LABEL_COSINE;
    return labels.map((label, i) => ({ label, cosine: cos[i], score: 1 / (1 + Math.exp(-scale * (cos[i] - c0))) }));
  }
  const logits = cos.map((c) => scale * c);
  const max = Math.max(...logits);
  const ex = logits.map((l) => Math.exp(l - max));
  const sum = ex.reduce((a, b) => a + b, 0);
  return labels.map((label, i) => ({ label, cosine: cos[i], score: ex[i] / sum }));
}
