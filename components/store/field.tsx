import type { InputHTMLAttributes, ReactNode, SelectHTMLAttributes } from 'react';

interface FieldFrame {
  /** The form field's name, also the base of its element ids. */
  name: string;
  label: string;
  error?: string;
  hint?: ReactNode;
  optional?: boolean;
}

const idOf = (name: string) => `f-${name.replace(/\W+/g, '-')}`;

function describedBy(id: string, error?: string, hint?: ReactNode) {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return ids || undefined;
}

function Frame({
  id,
  label,
  error,
  hint,
  optional,
  children,
}: FieldFrame & { id: string; children: ReactNode }) {
  return (
    <div className={`field${error ? ' field--error' : ''}`}>
      <label htmlFor={id} className="field__label">
        {label}
        {optional ? <span className="field__optional"> (optional)</span> : null}
      </label>
      {children}
      {hint ? (
        <p id={`${id}-hint`} className="field__hint">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="field__error">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** A labelled input whose error and hint are tied to it (aria-describedby, aria-invalid). */
export function TextField({
  name,
  label,
  error,
  hint,
  optional,
  ...input
}: FieldFrame & Omit<InputHTMLAttributes<HTMLInputElement>, 'name' | 'id'>) {
  const id = idOf(name);
  return (
    <Frame id={id} name={name} label={label} error={error} hint={hint} optional={optional}>
      <input
        id={id}
        name={name}
        className="input"
        required={!optional}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, error, hint)}
        {...input}
      />
    </Frame>
  );
}

export function SelectField({
  name,
  label,
  error,
  hint,
  optional,
  children,
  ...select
}: FieldFrame & Omit<SelectHTMLAttributes<HTMLSelectElement>, 'name' | 'id'>) {
  const id = idOf(name);
  return (
    <Frame id={id} name={name} label={label} error={error} hint={hint} optional={optional}>
      <select
        id={id}
        name={name}
        className="input input--select"
        required={!optional}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, error, hint)}
        {...select}
      >
        {children}
      </select>
    </Frame>
  );
}
