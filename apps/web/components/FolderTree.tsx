'use client';
import { useCallback, useEffect, useState } from 'react';
import { gql, onApiChange } from '@/lib/api';
import { FOLDERS } from '@/lib/queries';
import type { Folder } from '@/lib/results';
import type { FoldersQuery } from '@/lib/generated/graphql';

/**
 * The library's own folders, from the ingested roots down (API `folders(prefix)`, one level per click):
 * pick one to search under it. Names are shown relative to their root; the full server path is the title.
 */
export function FolderTree({ value, onChange }: { value: string; onChange: (prefix: string) => void }) {
  const [roots, setRoots] = useState<Folder[] | null>(null);
  const load = useCallback(() => {
    gql<FoldersQuery>(FOLDERS, {})
      .then((d) => setRoots(d.folders))
      .catch(() => undefined);
  }, []);
  useEffect(() => {
    load();
    return onApiChange((up) => up && load());
  }, [load]);
  if (!roots) return <span className="muted small">loading folders…</span>;
  if (!roots.length) return <span className="muted small">no folders yet</span>;
  const root = roots.find((r) => value.startsWith(r.path));
  return (
    <div className="folder-tree" data-testid="folder-tree">
      <div className="small muted" data-testid="folder-selected">
        {value ? (
          <>
            in <strong title={value}>{root ? `${root.name}/${value.slice(root.path.length)}`.replace(/\/$/, '') : value}</strong>{' '}
            <button type="button" className="linkish" onClick={() => onChange('')}>
              any folder
            </button>
          </>
        ) : (
          'any folder'
        )}
      </div>
      <ul>
        {roots.map((f) => (
          <Node key={f.path} folder={f} value={value} onChange={onChange} />
        ))}
      </ul>
    </div>
  );
}

function Node({ folder, value, onChange }: { folder: Folder; value: string; onChange: (prefix: string) => void }) {
  // Open by itself along the selected path, so a shared link shows where its folder is.
  const [open, setOpen] = useState(value.startsWith(folder.path) && value !== folder.path);
  const [children, setChildren] = useState<Folder[] | null>(null);
  useEffect(() => {
    if (!open || children) return;
    gql<FoldersQuery>(FOLDERS, { prefix: folder.path })
      .then((d) => setChildren(d.folders))
      .catch(() => setOpen(false));
  }, [open, children, folder.path]);
  const selected = value === folder.path;
  return (
    <li>
      <div className="folder-node">
        <button
          type="button"
          className="twisty"
          aria-expanded={open}
          aria-label={`${open ? 'Collapse' : 'Expand'} ${folder.name}`}
          onClick={() => setOpen(!open)}
          hidden={children?.length === 0}
        >
          {open ? '▾' : '▸'}
        </button>
        <button
          type="button"
          className={`folder-pick${selected ? ' on' : ''}`}
          aria-pressed={selected}
          title={folder.path}
          onClick={() => onChange(selected ? '' : folder.path)}
          data-testid="folder-pick"
        >
          {folder.name} <span className="muted">{folder.clipCount}</span>
        </button>
      </div>
      {open && children && children.length > 0 && (
        <ul>
          {children.map((c) => (
            <Node key={c.path} folder={c} value={value} onChange={onChange} />
          ))}
        </ul>
      )}
    </li>
  );
}
