import { useEffect, useId, useState } from 'react';
import { isZone, PRESETS, zones, type PresetId } from '../lib/range.js';

/** Range preset and time zone pickers (the zone is shown and changeable on every time view). */
export function RangeBar(props: { preset: PresetId; onPreset: (p: PresetId) => void; tz: string; onTz: (tz: string) => void }) {
  const id = useId();
  const [text, setText] = useState(props.tz);
  useEffect(() => setText(props.tz), [props.tz]);
  return (
    <div className="toolbar">
      <label htmlFor={`${id}-range`}>Range</label>
      <select id={`${id}-range`} value={props.preset} onChange={(e) => props.onPreset(e.target.value as PresetId)}>
        {PRESETS.map((p) => (
          <option key={p.id} value={p.id}>
            {p.label}
          </option>
        ))}
      </select>
      <label htmlFor={`${id}-tz`}>Time zone</label>
      <input
        id={`${id}-tz`}
        list={`${id}-zones`}
        value={text}
        aria-describedby={`${id}-tz-hint`}
        onChange={(e) => {
          const v = e.target.value;
          setText(v);
          if (isZone(v)) props.onTz(v);
        }}
        onBlur={() => {
          if (!isZone(text)) setText(props.tz);
        }}
        data-testid="tz-input"
        size={22}
      />
      <span id={`${id}-tz-hint`} className="hint">
        Buckets and times follow this zone
      </span>
      <datalist id={`${id}-zones`}>
        {zones().map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
    </div>
  );
}
