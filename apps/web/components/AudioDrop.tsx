'use client';
import { useEffect, useRef, useState } from 'react';
import { uploadAudio, type UploadResult } from '@/lib/api';
import { fmtDuration } from '@/lib/format';
import { recordingToWav } from '@/lib/wav';
import type { Clip } from '@/lib/results';
import { usePlayer } from './Player';
import { ErrorBox } from './States';

export interface Uploaded extends UploadResult {
  name: string;
  /** The browser's own copy of the query sound (a blob: URL), so it can be played back. */
  localUrl: string;
}

/** The query sound as a clip the player can play: from the browser's copy, with the facts the upload reported. */
export function querySoundClip(u: Uploaded): Clip {
  return {
    id: `query:${u.id}`,
    path: '',
    name: u.name,
    folder: '',
    format: typeof u.format === 'string' ? u.format : 'wav',
    container: null,
    codec: null,
    bitDepth: null,
    decoder: null,
    description: null,
    ucs: null,
    sampleRate: typeof u.sampleRate === 'number' ? u.sampleRate : 0,
    channels: typeof u.channels === 'number' ? u.channels : 1,
    durationSec: u.durationSec,
    sizeBytes: 0,
    tags: [],
    waveform: [],
    audioUrl: u.localUrl,
    // Never dragged out or downloaded: a query sound has no file on the server.
    mimeType: 'application/octet-stream',
  };
}

interface Props {
  onUploaded: (u: Uploaded) => void;
  current?: Uploaded | null;
  label?: string;
}

/** Drop a file, pick one, or record from the microphone (where MediaRecorder and a mic exist). */
export function AudioDrop({ onUploaded, current, label = 'Drop an audio file here' }: Props) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [canRecord, setCanRecord] = useState(false);
  const [recording, setRecording] = useState<{ rec: MediaRecorder; started: number } | null>(null);
  const [elapsed, setElapsed] = useState(0);
  const player = usePlayer();
  const queryClip = current?.localUrl ? querySoundClip(current) : null;
  const queryPlaying = !!queryClip && player.clip?.id === queryClip.id && player.playing;

  useEffect(() => {
    setCanRecord(typeof window !== 'undefined' && 'MediaRecorder' in window && !!navigator.mediaDevices?.getUserMedia);
  }, []);

  useEffect(() => {
    if (!recording) return;
    const t = setInterval(() => setElapsed((Date.now() - recording.started) / 1000), 200);
    return () => clearInterval(t);
  }, [recording]);

  const send = async (blob: Blob, name: string) => {
    setBusy(`Uploading ${name}`);
    setError(null);
    try {
      const r = await uploadAudio(blob, name);
      onUploaded({ ...r, name, localUrl: URL.createObjectURL(blob) });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  const startRec = async () => {
    setError(null);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const rec = new MediaRecorder(stream);
      const chunks: Blob[] = [];
      rec.ondataavailable = (e) => e.data.size && chunks.push(e.data);
      rec.onstop = () => {
        stream.getTracks().forEach((t) => t.stop());
        setRecording(null);
        const blob = new Blob(chunks, { type: rec.mimeType || 'audio/webm' });
        recordingToWav(blob)
          .then((wav) => send(wav, 'recording.wav'))
          .catch((e: Error) => setError(new Error(`Could not read the recording: ${e.message}. Upload a file instead.`)));
      };
      rec.start();
      setElapsed(0);
      setRecording({ rec, started: Date.now() });
    } catch (e) {
      setError(new Error(`Microphone not available: ${(e as Error).message}. Allow microphone access, or upload a file instead.`));
    }
  };

  return (
    <div className="audiodrop-wrap">
      <div
        className={`dropzone${over ? ' over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          const f = e.dataTransfer.files?.[0];
          if (f) void send(f, f.name);
        }}
        onClick={() => inputRef.current?.click()}
        role="button"
        tabIndex={0}
        onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && (e.preventDefault(), inputRef.current?.click())}
        data-testid="dropzone"
      >
        <div className="dropzone-icon" aria-hidden>
          ⤓
        </div>
        <div>{busy ?? label}</div>
        <div className="muted small">or click to choose · wav, mp3, flac, ogg, opus, m4a, aiff</div>
        <input
          ref={inputRef}
          type="file"
          accept="audio/*,.wav,.mp3,.flac,.ogg,.opus,.m4a,.aif,.aiff"
          hidden
          data-testid="file-input"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void send(f, f.name);
            e.target.value = '';
          }}
        />
      </div>
      <div className="row">
        {canRecord &&
          (recording ? (
            <button type="button" className="btn danger" onClick={() => recording.rec.stop()} data-testid="record-stop">
              ■ Stop recording ({elapsed.toFixed(1)} s)
            </button>
          ) : (
            <button type="button" className="btn ghost" onClick={startRec} disabled={!!busy} data-testid="record-start">
              ● Record from microphone
            </button>
          ))}
        {queryClip && (
          <button
            type="button"
            className="btn small ghost"
            onClick={() => player.toggle(queryClip)}
            aria-label={`${queryPlaying ? 'Pause' : 'Play'} the query sound ${queryClip.name}`}
            data-testid="play-query"
          >
            {queryPlaying ? '❚❚ Pause' : '▶ Play'} query sound
          </button>
        )}
        {current && (
          <span className="muted small" data-testid="uploaded-info">
            Query audio: <strong>{current.name}</strong> · {fmtDuration(current.durationSec)}
          </span>
        )}
      </div>
      {!!error && <ErrorBox error={error} />}
    </div>
  );
}
