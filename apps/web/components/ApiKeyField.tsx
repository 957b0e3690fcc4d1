'use client';
import { useEffect, useState } from 'react';
import { getApiKey, setApiKey } from '@/lib/api';

/** The API key for mutations, kept in this browser's localStorage only. */
export function ApiKeyField({ compact = false }: { compact?: boolean }) {
  const [key, setKey] = useState('');
  const [saved, setSaved] = useState(false);
  useEffect(() => setKey(getApiKey()), []);
  return (
    <label className="field" style={compact ? { marginBottom: 8 } : undefined}>
      <span>API key {compact ? '(needed to save changes)' : '(needed to start ingests and change data; stored in this browser only)'}</span>
      <div className="row tight">
        <input
          type="password"
          name="apiKey"
          autoComplete="off"
          className="grow"
          placeholder="EARSHOT_API_KEY of the server"
          value={key}
          onChange={(e) => {
            setKey(e.target.value);
            setApiKey(e.target.value.trim());
            setSaved(true);
          }}
        />
        {saved && (
          <span className="muted small" aria-live="polite">
            saved
          </span>
        )}
      </div>
    </label>
  );
}
