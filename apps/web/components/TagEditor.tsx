'use client';
import { useState } from 'react';
import { ApiError, gql } from '@/lib/api';
import { EDIT_CLIP_TAGS, SET_CLIP_TAGS } from '@/lib/queries';
import type { EditClipTagsMutation, SetClipTagsMutation } from '@/lib/generated/graphql';

const split = (s: string) => [
  ...new Set(
    s
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  ),
];
const say = (e: unknown) => (e instanceof ApiError ? `${e.message}. ${e.hint}` : String(e));

/** One clip's tags as an editable comma-separated list (API setClipTags; needs the API key when the server has one). */
export function TagEditor({ clipId, tags, onSaved, onClose }: { clipId: string; tags: string[]; onSaved: (tags: string[]) => void; onClose: () => void }) {
  const [text, setText] = useState(tags.join(', '));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      className="tag-editor row tight"
      onClick={(e) => e.stopPropagation()}
      onKeyDown={(e) => e.stopPropagation()}
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        gql<SetClipTagsMutation>(SET_CLIP_TAGS, { id: clipId, tags: split(text) })
          .then((d) => {
            onSaved(d.setClipTags.tags);
            onClose();
          })
          .catch((err) => setError(say(err)))
          .finally(() => setBusy(false));
      }}
      data-testid="tag-editor"
    >
      <input type="text" className="grow" aria-label="Tags, comma separated" value={text} onChange={(e) => setText(e.target.value)} autoFocus />
      <button type="submit" className="btn small" disabled={busy}>
        Save tags
      </button>
      <button type="button" className="btn small ghost" onClick={onClose}>
        Cancel
      </button>
      {error && (
        <span className="error-text small" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}

/** Add or remove tags on the picked clips, or on every clip shown when none is picked (API editClipTags, 100 ids a request). */
export function BulkTags({ ids, picked, onSaved }: { ids: string[]; picked: boolean; onSaved: (tags: Record<string, string[]>) => void }) {
  const [open, setOpen] = useState(false);
  const [add, setAdd] = useState('');
  const [remove, setRemove] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  if (!open)
    return (
      <button type="button" className="btn small ghost" disabled={!ids.length} onClick={() => setOpen(true)} data-testid="bulk-tags-open">
        {picked ? `Tag ${ids.length} selected` : 'Tag all shown'}
      </button>
    );
  return (
    <form
      className="bulk-tags row tight"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        setError(null);
        setDone(null);
        try {
          const out: Record<string, string[]> = {};
          for (let i = 0; i < ids.length; i += 100) {
            const d = await gql<EditClipTagsMutation>(EDIT_CLIP_TAGS, { ids: ids.slice(i, i + 100), add: split(add), remove: split(remove) });
            for (const c of d.editClipTags) out[c.id] = c.tags;
          }
          onSaved(out);
          setDone(`${Object.keys(out).length} clips updated`);
        } catch (err) {
          setError(say(err));
        } finally {
          setBusy(false);
        }
      }}
      data-testid="bulk-tags"
    >
      <input
        type="text"
        aria-label={`Tags to add to ${picked ? 'the' : 'all'} ${ids.length} clips ${picked ? 'selected' : 'shown'}`}
        placeholder="add tags"
        value={add}
        onChange={(e) => setAdd(e.target.value)}
      />
      <input
        type="text"
        aria-label={`Tags to remove from ${picked ? 'the' : 'all'} ${ids.length} clips ${picked ? 'selected' : 'shown'}`}
        placeholder="remove tags"
        value={remove}
        onChange={(e) => setRemove(e.target.value)}
      />
      <button type="submit" className="btn small" disabled={busy || (!add.trim() && !remove.trim())}>
        Apply to {ids.length}
      </button>
      <button type="button" className="btn small ghost" onClick={() => setOpen(false)}>
        Close
      </button>
      {done && (
        <span className="small" role="status">
          {done}
        </span>
      )}
      {error && (
        <span className="error-text small" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}
