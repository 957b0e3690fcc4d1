'use client';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import type { Clip } from '@/lib/types';
import { fmtDuration } from '@/lib/format';

/** One audio element for the whole app: starting a clip stops the previous one. */
interface PlayerState {
  clip: Clip | null;
  playing: boolean;
  currentTime: number;
  error: string | null;
  play: (clip: Clip, fromSec?: number) => void;
  toggle: (clip: Clip, fromSec?: number) => void;
  seek: (sec: number) => void;
  pause: () => void;
}

const PlayerContext = createContext<PlayerState | null>(null);

export function usePlayer(): PlayerState {
  const ctx = useContext(PlayerContext);
  if (!ctx) throw new Error('usePlayer outside PlayerProvider');
  return ctx;
}

/** Relative stream URL served through the same-origin proxy. */
export function audioSrc(clip: Clip): string {
  return clip.audioUrl?.startsWith('/') ? clip.audioUrl : `/audio/${encodeURIComponent(clip.id)}`;
}

export function PlayerProvider({ children }: { children: React.ReactNode }) {
  const audioRef = useRef<HTMLAudioElement>(null);
  const [clip, setClip] = useState<Clip | null>(null);
  const [playing, setPlaying] = useState(false);
  const [currentTime, setCurrentTime] = useState(0);
  const [error, setError] = useState<string | null>(null);

  const play = useCallback((c: Clip, fromSec = 0) => {
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
      el.play().catch((e: Error) => {
        if (e.name !== 'AbortError') setError(`Playback failed: ${e.message}`);
      });
    };
    setClip(c);
    setCurrentTime(fromSec);
    if (el.getAttribute('src') !== src) {
      el.setAttribute('src', src);
      el.addEventListener('loadedmetadata', start, { once: true });
      el.load();
    } else start();
  }, []);

  const pause = useCallback(() => audioRef.current?.pause(), []);

  const toggle = useCallback(
    (c: Clip, fromSec = 0) => {
      const el = audioRef.current;
      if (el && clip?.id === c.id && !el.paused) el.pause();
      else if (el && clip?.id === c.id && el.currentTime > 0 && !el.ended) el.play().catch(() => undefined);
      else play(c, fromSec);
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
    const onTime = () => setCurrentTime(el.currentTime);
    const onPlay = () => setPlaying(true);
    const onPause = () => setPlaying(false);
    const onError = () => {
      setPlaying(false);
      setError('This clip could not be streamed: the file may have moved on the server, or the API is down.');
    };
    el.addEventListener('timeupdate', onTime);
    el.addEventListener('play', onPlay);
    el.addEventListener('pause', onPause);
    el.addEventListener('ended', onPause);
    el.addEventListener('error', onError);
    return () => {
      el.removeEventListener('timeupdate', onTime);
      el.removeEventListener('play', onPlay);
      el.removeEventListener('pause', onPause);
      el.removeEventListener('ended', onPause);
      el.removeEventListener('error', onError);
    };
  }, []);

  const value = useMemo(
    () => ({ clip, playing, currentTime, error, play, toggle, seek, pause }),
    [clip, playing, currentTime, error, play, toggle, seek, pause],
  );

  return (
    <PlayerContext.Provider value={value}>
      {children}
      <div className={`playerbar${clip ? ' open' : ''}`} role="region" aria-label="Audio player">
        {clip && (
          <>
            <button
              type="button"
              className="btn icon"
              aria-label={playing ? 'Pause' : 'Play'}
              onClick={() => (playing ? pause() : audioRef.current?.play().catch(() => undefined))}
            >
              {playing ? '❚❚' : '▶'}
            </button>
            <div className="playerbar-meta">
              <div className="playerbar-name" title={clip.path}>{clip.name}</div>
              <div className="muted mono small">
                {fmtDuration(currentTime)} / {fmtDuration(clip.durationSec)}
              </div>
            </div>
            <input
              className="playerbar-seek"
              type="range"
              min={0}
              max={clip.durationSec || 0}
              step={0.01}
              value={Math.min(currentTime, clip.durationSec || 0)}
              aria-label="Position"
              onChange={(e) => seek(Number(e.target.value))}
            />
            {error && <div className="playerbar-error" role="alert">{error}</div>}
          </>
        )}
        <audio ref={audioRef} preload="none" data-testid="player-audio" />
      </div>
    </PlayerContext.Provider>
  );
}
