'use client';
import type { LabelScore } from '@/lib/results';
import { roundPercents } from '@/lib/percent';

/** One bar per label, best first. Single-label percentages are rounded to sum to exactly 100 %. */
export function Bars({ scores, multiLabel }: { scores: LabelScore[]; multiLabel: boolean }) {
  const pcts = multiLabel ? scores.map((s) => Math.round(s.score * 1000) / 10) : roundPercents(scores.map((s) => s.score));
  const rows = scores.map((s, i) => ({ ...s, pct: pcts[i] })).sort((a, b) => b.score - a.score);
  const best = rows[0]?.label;
  return (
    <div className="bars" data-testid="classify-bars">
      {rows.map((r) => (
        <div key={r.label} className={`bar-row${r.label === best ? ' best' : ''}`} data-testid="bar" data-label={r.label} data-pct={r.pct}>
          <div className="bar-label" title={r.present != null ? `${r.label}: present ${(r.present * 100).toFixed(1)} % on its own` : r.label}>
            {r.label}
          </div>
          <div className="bar-track" role="meter" aria-valuemin={0} aria-valuemax={100} aria-valuenow={r.pct} aria-label={`${r.label}: ${r.pct.toFixed(1)} percent`}>
            <div className="bar-fill" style={{ width: `${Math.max(0.5, r.pct)}%` }} />
          </div>
          <div className="bar-pct">{r.pct.toFixed(1)} %</div>
        </div>
      ))}
      <div className="muted small">
        {multiLabel
          ? 'Multi-label: each label scored on its own (sigmoid), so they need not add up to 100 %.'
          : 'Single-label: probabilities over these labels (softmax), adding up to 100 %. Add a catch-all label if none fits.'}
      </div>
    </div>
  );
}
