import type { ReactNode } from 'react';
import { ApiError } from '../api.js';

/** A labelled input with the API's validation message for that field next to it. */
export function Field(props: {
  id: string;
  label: string;
  error?: string | null;
  hint?: string;
  children: (aria: Record<string, unknown>) => ReactNode;
}) {
  const errId = `${props.id}-error`;
  const hintId = `${props.id}-hint`;
  const aria = {
    id: props.id,
    'aria-invalid': props.error ? true : undefined,
    'aria-describedby': [props.error ? errId : '', props.hint ? hintId : ''].filter(Boolean).join(' ') || undefined,
  };
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      {props.children(aria)}
      {props.hint && (
        <span id={hintId} className="hint">
          {props.hint}
        </span>
      )}
      {props.error && (
        <span id={errId} className="field-error" role="alert">
          {props.error}
        </span>
      )}
    </div>
  );
}

/** Which form field an API error belongs to (`budget.usd` → `budget`), and the message without its field prefix. */
export function fieldError(err: unknown, fields: readonly string[]): { field: string | null; message: string } {
  if (!(err instanceof ApiError)) return { field: null, message: err instanceof Error ? err.message : String(err) };
  const param = err.param ?? '';
  const field = fields.find((f) => param === f || param.startsWith(`${f}.`)) ?? null;
  const message = field && err.message.startsWith(`${param}: `) ? err.message.slice(param.length + 2) : err.message;
  return { field, message };
}
