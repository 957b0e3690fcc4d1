/** Minimal WAV writer for test fixtures made by code (PCM16 or IEEE float32). */
export function wavBytes(channels: Float32Array[], sampleRate: number, kind: 'pcm16' | 'float32' = 'pcm16'): Buffer {
  const n = channels[0].length;
  const bps = kind === 'pcm16' ? 2 : 4;
  const data = n * channels.length * bps;
  const b = Buffer.alloc(44 + data);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + data, 4);
  b.write('WAVE', 8);
  b.write('fmt ', 12);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(kind === 'pcm16' ? 1 : 3, 20);
  b.writeUInt16LE(channels.length, 22);
  b.writeUInt32LE(sampleRate, 24);
  b.writeUInt32LE(sampleRate * channels.length * bps, 28);
  b.writeUInt16LE(channels.length * bps, 32);
  b.writeUInt16LE(bps * 8, 34);
  b.write('data', 36);
  b.writeUInt32LE(data, 40);
  let o = 44;
  for (let i = 0; i < n; i++) {
    for (const ch of channels) {
      if (kind === 'pcm16') b.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(ch[i] * 32767))), o);
      else b.writeFloatLE(ch[i], o);
      o += bps;
    }
  }
  return b;
}

export const sine = (freq: number, sec: number, rate: number, amp = 0.5) =>
  Float32Array.from({ length: Math.round(sec * rate) }, (_, i) => amp * Math.sin((2 * Math.PI * freq * i) / rate));
