'use client';
import { memo } from 'react';

interface Props {
  peaks: number[];
  durationSec: number;
  /** Matching window, highlighted. */
  windowStart?: number;
  windowEnd?: number;
  /** Playhead in seconds, when this clip is playing. */
  playhead?: number | null;
  height?: number;
  onSeek?: (sec: number) => void;
  label?: string;
}

/** Peaks (values in [0,1]) drawn as mirrored bars in one SVG path: cheap for long result lists. */
function WaveformImpl({ peaks, durationSec, windowStart, windowEnd, playhead, height = 48, onSeek, label }: Props) {
  const n = Math.max(peaks.length, 1);
  let d = '';
  for (let i = 0; i < peaks.length; i++) {
    const h = Math.max(0.02, Math.min(1, peaks[i] || 0)) * 48;
    d += `M${i + 0.5} ${50 - h}V${50 + h}`;
  }
  const dur = durationSec > 0 ? durationSec : 1;
  const hasWindow = windowStart != null && windowEnd != null && windowEnd > windowStart;
  const wx = hasWindow ? (Math.max(0, windowStart!) / dur) * n : 0;
  const ww = hasWindow ? ((Math.min(dur, windowEnd!) - Math.max(0, windowStart!)) / dur) * n : 0;
  const px = playhead != null ? (Math.min(playhead, dur) / dur) * n : null;
  return (
    <svg
      className={`waveform${onSeek ? ' seekable' : ''}`}
      viewBox={`0 0 ${n} 100`}
      preserveAspectRatio="none"
      height={height}
      role="img"
      aria-label={label ?? `Waveform, ${durationSec.toFixed(1)} seconds`}
      onClick={
        onSeek
          ? (e) => {
              e.stopPropagation();
              const r = e.currentTarget.getBoundingClientRect();
              onSeek(((e.clientX - r.left) / r.width) * dur);
            }
          : undefined
      }
    >
      {hasWindow && <rect className="wf-window" x={wx} y={0} width={Math.max(ww, 0.5)} height={100} data-testid="wf-window" />}
      <path className="wf-bars" d={d} strokeWidth={0.7} />
      {hasWindow && (
        <path
          className="wf-bars-hi"
          d={d}
          strokeWidth={0.7}
          style={{ clipPath: `inset(0 ${100 - ((wx + ww) / n) * 100}% 0 ${(wx / n) * 100}%)` }}
        />
      )}
      {px != null && <line className="wf-playhead" x1={px} x2={px} y1={0} y2={100} vectorEffect="non-scaling-stroke" />}
    </svg>
  );
}

export const Waveform = memo(WaveformImpl);
