/**
 * WAV writing in the browser: recordings (MediaRecorder gives WebM/Opus, which the API does not sniff)
 * and regions cut from a clip for "download region". PCM, little-endian, channels interleaved.
 */
export function encodeWav(channels: Float32Array[], sampleRate: number, bits: 16 | 24 = 16): Blob {
  const nch = Math.max(1, channels.length);
  const frames = channels[0]?.length ?? 0;
  const bytes = bits / 8;
  const dataLen = frames * nch * bytes;
  const view = new DataView(new ArrayBuffer(44 + dataLen));
  const str = (o: number, s: string) => [...s].forEach((c, i) => view.setUint8(o + i, c.charCodeAt(0)));
  str(0, 'RIFF');
  view.setUint32(4, 36 + dataLen, true);
  str(8, 'WAVE');
  str(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, nch, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * nch * bytes, true);
  view.setUint16(32, nch * bytes, true);
  view.setUint16(34, bits, true);
  str(36, 'data');
  view.setUint32(40, dataLen, true);
  let o = 44;
  const full = bits === 16 ? 32767 : 8388607;
  for (let i = 0; i < frames; i++) {
    for (let c = 0; c < nch; c++) {
      const v = Math.round(Math.max(-1, Math.min(1, channels[c][i])) * full);
      if (bits === 16) view.setInt16(o, v, true);
      else {
        view.setUint8(o, v & 0xff);
        view.setUint8(o + 1, (v >> 8) & 0xff);
        view.setInt8(o + 2, v >> 16);
      }
      o += bytes;
    }
  }
  return new Blob([view.buffer], { type: 'audio/wav' });
}

export function encodeWavMono(samples: Float32Array, sampleRate: number): Blob {
  return encodeWav([samples], sampleRate, 16);
}

/** Decode any browser-playable recording and re-encode it as mono WAV (the API folds to mono anyway). */
export async function recordingToWav(blob: Blob): Promise<Blob> {
  const ctx = new AudioContext();
  try {
    const buf = await ctx.decodeAudioData(await blob.arrayBuffer());
    const mono = new Float32Array(buf.length);
    for (let c = 0; c < buf.numberOfChannels; c++) {
      const ch = buf.getChannelData(c);
      for (let i = 0; i < ch.length; i++) mono[i] += ch[i] / buf.numberOfChannels;
    }
    return encodeWavMono(mono, buf.sampleRate);
  } finally {
    void ctx.close();
  }
}

/**
 * The seconds [startSec, endSec) of an audio file as WAV at the file's own sample rate and channel
 * count (the browser decodes; an OfflineAudioContext needs no audio device). 24-bit when the source
 * has more than 16 bits, else 16-bit.
 */
export async function regionToWav(bytes: ArrayBuffer, sampleRate: number, startSec: number, endSec: number, sourceBits: number | null): Promise<Blob> {
  const ctx = new OfflineAudioContext(1, 1, sampleRate);
  const buf = await ctx.decodeAudioData(bytes);
  const a = Math.max(0, Math.floor(startSec * buf.sampleRate));
  const b = Math.min(buf.length, Math.ceil(endSec * buf.sampleRate));
  if (b <= a) throw new Error(`the region ${startSec.toFixed(2)}–${endSec.toFixed(2)} s is empty`);
  const channels = Array.from({ length: buf.numberOfChannels }, (_, c) => buf.getChannelData(c).slice(a, b));
  return encodeWav(channels, buf.sampleRate, sourceBits && sourceBits > 16 ? 24 : 16);
}
