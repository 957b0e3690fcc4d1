'use client';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import type { Clip } from '@/lib/results';
import { downloadBlob, fmtDuration, fmtRate } from '@/lib/format';
import { regionToWav } from '@/lib/wav';
import { CopyPath, DownloadOriginal, isQuerySound } from './ClipActions';

export interface Region {
  start: number;
  end: number;
}

/** One audio element for the whole app: starting a clip stops the previous one. */
interface PlayerState {
  clip: Clip | null;
  playing: boolean;
  currentTime: number;
  error: string | null;
  loop: boolean;
  volume: number;
  rate: number;
  keepPitch: boolean;
  /** The part of the clip that loops and that "Region WAV" renders; the matching window when a hit starts playing. */
  region: Region | null;
  play: (clip: Clip, fromSec?: number, region?: Region | null) => void;
  toggle: (clip: Clip, fromSec?: number, region?: Region | null) => void;
  seek: (sec: number) => void;
  pause: () => void;
  stop: () => void;
  setLoop: (on: boolean) => void;
  setVolume: (v: number) => void;
  setRate: (r: number) => void;
  setKeepPitch: (on: boolean) => void;
  setRegion: (r: Region | null) => void;
}

const PlayerContext = createContext<PlayerState | null>(null);

export function usePlayer(): PlayerState {
  const ctx = useContext(PlayerContext);
  if (!ctx) throw new Error('usePlayer outside PlayerProvider');
  return ctx;
}

/** Relative stream URL served through the same-origin proxy (or the blob: URL of a query sound kept in the browser). */
export function audioSrc(clip: Clip): string {
  if (clip.audioUrl?.startsWith('/') || clip.audioUrl?.startsWith('blob:')) return clip.audioUrl;
  return `/audio/${encodeURIComponent(clip.id)}`;
}

export const RATES = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2];
const SETTINGS_KEY = 'earshot.player';

interface Settings {
  loop: boolean;
  volume: number;
  rate: number;
  keepPitch: boolean;
}
const DEFAULTS: Settings = { loop: false, volume: 1, rate: 1, keepPitch: true };

function loadSettings(): Settings {
  try {
    const s = JSON.parse(window.localStorage.getItem(SETTINGS_KEY) ?? '{}') as Partial<Settings>;
    return {
      loop: typeof s.loop === 'boolean' ? s.loop : DEFAULTS.loop,
      volume: typeof s.volume === 'number' && s.volume >= 0 && s.volume <= 1 ? s.volume : DEFAULTS.volume,
      rate: typeof s.rate === 'number' && RATES.includes(s.rate) ? s.rate : DEFAULTS.rate,
      keepPitch: typeof s.keepPitch === 'boolean' ? s.keepPitch : DEFAULTS.keepPitch,
    };
  } catch {
    return DEFAULTS;
  }
}

function channelsText(n: number): string {
  return n === 1 ? 'mono' : n === 2 ? 'stereo' : `${n} ch`;
}

/** What the file is, as stored: the facts a sound designer checks before using it. */
export function clipFacts(c: Clip): string[] {
  return [
    c.format,
    c.codec && c.codec !== c.format ? c.codec : '',
    c.sampleRate ? fmtRate(c.sampleRate) : '',
    c.bitDepth != null ? `${c.bitDepth}-bit` : '',
    c.channels ? channelsText(c.channels) : '',
  ].filter(Boolean);
}

export function PlayerProvider({ children }: { children: React.ReactNode }) {
  const audioRef = useRef<HTMLAudioElement>(null);
  const [clip, setClip] = useState<Clip | null>(null);
  const [playing, setPlaying] = useState(false);
  const [currentTime, setCurrentTime] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [settings, setSettings] = useState<Settings>(DEFAULTS);
  const [region, setRegion] = useState<Region | null>(null);
  const [rendering, setRendering] = useState(false);
  const regionRef = useRef<Region | null>(null);
  regionRef.current = region;
  const loopRef = useRef(false);
  loopRef.current = settings.loop;

  useEffect(() => setSettings(loadSettings()), []);
  const update = useCallback((patch: Partial<Settings>) => {
    setSettings((s) => {
      const next = { ...s, ...patch };
      try {
        window.localStorage.setItem(SETTINGS_KEY, JSON.stringify(next));
      } catch {
        /* private mode: settings last for this page only */
      }
      return next;
    });
  }, []);

  // The element follows the settings; a new src keeps them (playbackRate is reset by load(), so set it again on play).
  const apply = useCallback(() => {
    const el = audioRef.current;
    if (!el) return;
    el.volume = settings.volume;
    el.playbackRate = settings.rate;
    el.defaultPlaybackRate = settings.rate;
    el.preservesPitch = settings.keepPitch;
    // A region loops by seeking back (timeupdate below); the whole file loops natively.
    el.loop = settings.loop && !region;
  }, [settings, region]);
  useEffect(apply, [apply]);

  const play = useCallback(
    (c: Clip, fromSec = 0, r: Region | null = null) => {
      const el = audioRef.current;
      if (!el) return;
      setError(null);
      const src = audioSrc(c);
      const start = () => {
        // Seek to the matching window, then play; the browser asks for a Range from there.
        try {
          const dur = Number.isFinite(el.duration) ? el.duration : Infinity;
          el.currentTime = fromSec > 0 && fromSec < dur ? fromSec : 0;
        } catch {
          /* not seekable yet */
        }
        apply();
        el.play().catch((e: Error) => {
          if (e.name !== 'AbortError') setError(`Playback failed: ${e.message}`);
        });
      };
      setClip(c);
      setRegion(r && r.end > r.start ? r : null);
      setCurrentTime(fromSec);
      if (el.getAttribute('src') !== src) {
        el.setAttribute('src', src);
        el.addEventListener('loadedmetadata', start, { once: true });
        el.load();
      } else start();
    },
    [apply],
  );

  const pause = useCallback(() => audioRef.current?.pause(), []);

  /** Esc: silence now and back to the start of the region (or file), as a transport's stop does. */
  const stop = useCallback(() => {
    const el = audioRef.current;
    if (!el) return;
    el.pause();
    try {
      el.currentTime = regionRef.current?.start ?? 0;
    } catch {
      /* nothing loaded */
    }
    setCurrentTime(el.currentTime);
  }, []);

  const toggle = useCallback(
    (c: Clip, fromSec = 0, r: Region | null = null) => {
      const el = audioRef.current;
      if (el && clip?.id === c.id && !el.paused) el.pause();
      else if (el && clip?.id === c.id && el.getAttribute('src') && !el.ended) el.play().catch(() => undefined);
      else play(c, fromSec, r);
    },
    [clip, play],
  );

  const seek = useCallback((sec: number) => {
    const el = audioRef.current;
    if (el) el.currentTime = sec;
  }, []);

  useEffect(() => {
    const el = audioRef.current;
    if (!el) return;
    const onTime = () => {
      const r = regionRef.current;
      if (r && loopRef.current && !el.paused && el.currentTime >= r.end) el.currentTime = r.start;
      setCurrentTime(el.currentTime);
    };
    const onPlay = () => setPlaying(true);
    const onPause = () => setPlaying(false);
    const onEnded = () => {
      const r = regionRef.current;
      if (r && loopRef.current) {
        el.currentTime = r.start;
        void el.play().catch(() => undefined);
      } else setPlaying(false);
    };
    const onError = () => {
      setPlaying(false);
      setError('This clip could not be streamed: the file may have moved on the server, or the server is unreachable.');
    };
    el.addEventListener('timeupdate', onTime);
    el.addEventListener('play', onPlay);
    el.addEventListener('pause', onPause);
    el.addEventListener('ended', onEnded);
    el.addEventListener('error', onError);
    return () => {
      el.removeEventListener('timeupdate', onTime);
      el.removeEventListener('play', onPlay);
      el.removeEventListener('pause', onPause);
      el.removeEventListener('ended', onEnded);
      el.removeEventListener('error', onError);
    };
  }, []);

  // Esc stops from anywhere; Space plays/pauses when no list or control has taken the key (lists handle their own).
  useEffect(() => {
    const h = (e: KeyboardEvent) => {
      if (e.defaultPrevented) return;
      if (e.key === 'Escape' && clip) stop();
      else if (e.key === ' ' && clip && (document.activeElement === document.body || !document.activeElement)) {
        e.preventDefault();
        const el = audioRef.current;
        if (el?.paused) void el.play().catch(() => undefined);
        else el?.pause();
      }
    };
    window.addEventListener('keydown', h);
    return () => window.removeEventListener('keydown', h);
  }, [clip, stop]);

  const renderRegion = async () => {
    if (!clip || !region) return;
    setRendering(true);
    setError(null);
    try {
      const res = await fetch(audioSrc(clip));
      if (!res.ok) throw new Error(`the server answered HTTP ${res.status}`);
      const wav = await regionToWav(await res.arrayBuffer(), clip.sampleRate, region.start, region.end, clip.bitDepth);
      const stem = clip.name.replace(/\.[^.]+$/, '');
      downloadBlob(`${stem}_${region.start.toFixed(2)}-${region.end.toFixed(2)}s.wav`, wav);
    } catch (e) {
      setError(`Could not render the region as WAV: ${(e as Error).message}`);
    } finally {
      setRendering(false);
    }
  };

  const value = useMemo<PlayerState>(
    () => ({
      clip,
      playing,
      currentTime,
      error,
      ...settings,
      region,
      play,
      toggle,
      seek,
      pause,
      stop,
      setLoop: (loop) => update({ loop }),
      setVolume: (volume) => update({ volume }),
      setRate: (rate) => update({ rate }),
      setKeepPitch: (keepPitch) => update({ keepPitch }),
      setRegion,
    }),
    [clip, playing, currentTime, error, settings, region, play, toggle, seek, pause, stop, update],
  );

  const dur = clip?.durationSec || 0;
  // In / Out read the element itself: the state's time lags a seek by one timeupdate.
  const now = () => audioRef.current?.currentTime ?? currentTime;
  const query = clip ? isQuerySound(clip) : false;
  return (
    <PlayerContext.Provider value={value}>
      {children}
      <div className={`playerbar${clip ? ' open' : ''}`} role="region" aria-label="Audio player" data-testid="playerbar">
        {clip && (
          <>
            <div className="playerbar-transport">
              <button
                type="button"
                className="btn icon"
                aria-label={playing ? 'Pause' : 'Play'}
                title="Play / pause (space)"
                onClick={() => (playing ? pause() : audioRef.current?.play().catch(() => undefined))}
                data-testid="player-toggle"
              >
                {playing ? '❚❚' : '▶'}
              </button>
              <button type="button" className="btn icon sm" aria-label="Stop" title="Stop (Esc)" onClick={stop} data-testid="player-stop">
                ■
              </button>
            </div>
            <div className="playerbar-meta">
              <div className="playerbar-name" title={clip.path}>
                {query && <span className="pill warn">query sound</span>} {clip.name}
              </div>
              <div className="muted small" data-testid="player-meta">
                <span className="mono">
                  {fmtDuration(currentTime)} / {fmtDuration(dur)}
                </span>
                {!query && <> · {clipFacts(clip).join(' · ')}</>}
              </div>
            </div>
            <input
              className="playerbar-seek"
              type="range"
              min={0}
              max={dur}
              step={0.01}
              value={Math.min(currentTime, dur)}
              aria-label="Position"
              onChange={(e) => seek(Number(e.target.value))}
            />
            <div className="playerbar-controls">
              <label className="toggle small" title="Loop the region, or the whole file when no region is set">
                <input type="checkbox" checked={settings.loop} onChange={(e) => update({ loop: e.target.checked })} data-testid="player-loop" />
                Loop
              </label>
              <label className="toggle small">
                <span className="sr-only">Playback rate</span>
                <select value={String(settings.rate)} onChange={(e) => update({ rate: Number(e.target.value) })} data-testid="player-rate" aria-label="Playback rate">
                  {RATES.map((r) => (
                    <option key={r} value={String(r)}>{`${r}×`}</option>
                  ))}
                </select>
              </label>
              <label className="toggle small" title="Off: slower is lower, as on tape (varispeed)">
                <input type="checkbox" checked={settings.keepPitch} onChange={(e) => update({ keepPitch: e.target.checked })} data-testid="player-keep-pitch" />
                Keep pitch
              </label>
              <label className="toggle small">
                <span aria-hidden>Vol</span>
                <input
                  type="range"
                  className="playerbar-volume"
                  min={0}
                  max={1}
                  step={0.05}
                  value={settings.volume}
                  aria-label="Volume"
                  onChange={(e) => update({ volume: Number(e.target.value) })}
                  data-testid="player-volume"
                />
              </label>
            </div>
            <div className="playerbar-region small" data-testid="player-region">
              <button
                type="button"
                className="btn small ghost"
                onClick={() => {
                  const t = now();
                  setRegion({ start: t, end: Math.max(t + 0.01, region?.end ?? dur) });
                }}
                title="Region starts at the playhead"
              >
                In
              </button>
              <button
                type="button"
                className="btn small ghost"
                onClick={() => {
                  const t = now();
                  setRegion({ start: Math.max(0, Math.min(region?.start ?? 0, t - 0.01)), end: t });
                }}
                title="Region ends at the playhead"
              >
                Out
              </button>
              <span className="mono" data-testid="player-region-text">
                {region ? `${region.start.toFixed(2)}–${region.end.toFixed(2)} s` : 'whole file'}
              </span>
              {region && (
                <button type="button" className="btn small ghost" onClick={() => setRegion(null)} aria-label="Clear the region">
                  ×
                </button>
              )}
            </div>
            {!query && (
              <div className="playerbar-out">
                <DownloadOriginal clip={clip} />
                <button type="button" className="btn small ghost" disabled={!region || rendering} onClick={() => void renderRegion()} data-testid="download-region">
                  {rendering ? 'Rendering…' : '⤓ Region WAV'}
                </button>
                <CopyPath clip={clip} />
              </div>
            )}
            {error && (
              <div className="playerbar-error" role="alert">
                {error}
              </div>
            )}
          </>
        )}
        <audio ref={audioRef} preload="none" data-testid="player-audio" />
      </div>
    </PlayerContext.Provider>
  );
}
