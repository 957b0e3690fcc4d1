'use client';
import { useState } from 'react';
import type { Clip } from '@/lib/results';

// Getting a sound out of the browser: the original file (download or drag), and its path on the server.

/** Query sounds (an upload or a recording) play from the browser's own copy: a blob: URL, no server path. */
export function isQuerySound(clip: Clip): boolean {
  return clip.id.startsWith('query:');
}

/** Same-origin URL of the original file (the web server forwards /audio/<id> to the API). */
export function originalUrl(clip: Clip): string {
  return `/audio/${encodeURIComponent(clip.id)}`;
}

/**
 * Chromium's DownloadURL drag format, "mime:filename:absolute-url": dropping the row on the desktop or
 * into a DAW that accepts file drops downloads the original file. The filename may not contain ':'.
 */
export function downloadUrlData(clip: Clip, origin: string): string {
  return `${clip.mimeType}:${clip.name.replace(/:/g, '_')}:${new URL(originalUrl(clip), origin).href}`;
}

export function onDragOut(e: React.DragEvent, clip: Clip): void {
  const url = new URL(originalUrl(clip), window.location.href).href;
  e.dataTransfer.effectAllowed = 'copy';
  e.dataTransfer.setData('DownloadURL', downloadUrlData(clip, window.location.href));
  e.dataTransfer.setData('text/uri-list', url);
  e.dataTransfer.setData('text/plain', clip.path);
}

export function DownloadOriginal({ clip, tabIndex }: { clip: Clip; tabIndex?: number }) {
  return (
    <a
      className="btn small ghost"
      href={originalUrl(clip)}
      download={clip.name}
      tabIndex={tabIndex}
      title={`Download the original file (${clip.name})`}
      data-testid="download-original"
      onClick={(e) => e.stopPropagation()}
    >
      <span aria-hidden>⤓ </span>Download<span className="sr-only"> {clip.name}</span>
    </a>
  );
}

async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Plain http on another host has no async clipboard: the old way still works there.
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.setAttribute('readonly', '');
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    document.body.appendChild(ta);
    ta.select();
    const ok = document.execCommand('copy');
    ta.remove();
    if (!ok) throw new Error('the browser refused to copy');
  }
}

export function CopyPath({ clip, tabIndex }: { clip: Clip; tabIndex?: number }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <button
      type="button"
      className="btn small ghost"
      tabIndex={tabIndex}
      title={clip.path}
      data-testid="copy-path"
      onClick={(e) => {
        e.stopPropagation();
        copyText(clip.path).then(
          () => setState('copied'),
          () => setState('failed'),
        );
        setTimeout(() => setState('idle'), 2000);
      }}
    >
      <span aria-live="polite">{state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed' : 'Copy path'}</span>
      <span className="sr-only"> of {clip.name}</span>
    </button>
  );
}
