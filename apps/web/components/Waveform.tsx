'use client';
import { memo, useRef, useState } from 'react';

interface Props {
  peaks: number[];
  durationSec: number;
  /** Matching window, highlighted. */
  windowStart?: number;
  windowEnd?: number;
  /** The player's region on this clip (loops, renders as WAV), drawn over the waveform. */
  region?: { start: number; end: number } | null;
  /** Playhead in seconds, when this clip is playing. */
  playhead?: number | null;
  height?: number;
  /** A click: play / seek from there. */
  onSeek?: (sec: number) => void;
  /** A drag across the waveform: that stretch becomes the region. */
  onRegion?: (start: number, end: number) => void;
  label?: string;
}

/** Past this many pixels a press is a drag (a region), not a click (a seek). */
const DRAG_PX = 4;

/** Peaks (values in [0,1]) drawn as mirrored bars in one SVG path: cheap for long result lists. */
function WaveformImpl({ peaks, durationSec, windowStart, windowEnd, region, playhead, height = 48, onSeek, onRegion, label }: Props) {
  const [drag, setDrag] = useState<{ a: number; b: number } | null>(null);
  const press = useRef<{ x: number; t: number; moved: boolean } | null>(null);
  const n = Math.max(peaks.length, 1);
  let d = '';
  for (let i = 0; i < peaks.length; i++) {
    const h = Math.max(0.02, Math.min(1, peaks[i] || 0)) * 48;
    d += `M${i + 0.5} ${50 - h}V${50 + h}`;
  }
  const dur = durationSec > 0 ? durationSec : 1;
  const hasWindow = windowStart != null && windowEnd != null && windowEnd > windowStart;
  const wx = hasWindow ? (Math.max(0, windowStart) / dur) * n : 0;
  const ww = hasWindow ? ((Math.min(dur, windowEnd) - Math.max(0, windowStart)) / dur) * n : 0;
  const px = playhead != null ? (Math.min(playhead, dur) / dur) * n : null;
  const shown = drag ? { start: Math.min(drag.a, drag.b), end: Math.max(drag.a, drag.b) } : region;
  const timeAt = (e: React.PointerEvent<SVGSVGElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    return Math.max(0, Math.min(dur, ((e.clientX - r.left) / r.width) * dur));
  };
  const interactive = !!(onSeek || onRegion);
  return (
    <svg
      className={`waveform${interactive ? ' seekable' : ''}`}
      viewBox={`0 0 ${n} 100`}
      preserveAspectRatio="none"
      height={height}
      role="img"
      aria-label={label ?? `Waveform, ${durationSec.toFixed(1)} seconds`}
      // The row around it drags out as a file; on the waveform a drag marks a region instead.
      onDragStart={(e) => {
        e.preventDefault();
        e.stopPropagation();
      }}
      onClick={(e) => e.stopPropagation()}
      onPointerDown={
        interactive
          ? (e) => {
              if (e.button !== 0) return;
              e.preventDefault();
              e.currentTarget.setPointerCapture(e.pointerId);
              press.current = { x: e.clientX, t: timeAt(e), moved: false };
            }
          : undefined
      }
      onPointerMove={
        interactive
          ? (e) => {
              const p = press.current;
              if (!p || !onRegion) return;
              if (!p.moved && Math.abs(e.clientX - p.x) < DRAG_PX) return;
              p.moved = true;
              setDrag({ a: p.t, b: timeAt(e) });
            }
          : undefined
      }
      onPointerUp={
        interactive
          ? (e) => {
              const p = press.current;
              press.current = null;
              setDrag(null);
              if (!p) return;
              e.stopPropagation();
              if (p.moved && onRegion) {
                const t = timeAt(e);
                onRegion(Math.min(p.t, t), Math.max(p.t, t));
              } else onSeek?.(p.t);
            }
          : undefined
      }
      onPointerCancel={() => {
        press.current = null;
        setDrag(null);
      }}
      data-testid="waveform"
    >
      {hasWindow && <rect className="wf-window" x={wx} y={0} width={Math.max(ww, 0.5)} height={100} data-testid="wf-window" />}
      <path className="wf-bars" d={d} strokeWidth={0.7} />
      {hasWindow && <path className="wf-bars-hi" d={d} strokeWidth={0.7} style={{ clipPath: `inset(0 ${100 - ((wx + ww) / n) * 100}% 0 ${(wx / n) * 100}%)` }} />}
      {shown && shown.end > shown.start && (
        <rect className="wf-region" x={(shown.start / dur) * n} y={0} width={Math.max(((shown.end - shown.start) / dur) * n, 0.5)} height={100} data-testid="wf-region" />
      )}
      {px != null && <line className="wf-playhead" x1={px} x2={px} y1={0} y2={100} vectorEffect="non-scaling-stroke" />}
    </svg>
  );
}

export const Waveform = memo(WaveformImpl);
