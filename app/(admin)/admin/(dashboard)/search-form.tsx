import ui from '@/components/klaviyo-admin/ui.module.css';

/**
 * An admin list's search box in the page header: a GET form whose `q` is the search, keeping the
 * list's other choices (`keep`, e.g. the status tab) as hidden fields.
 */
export function SearchForm({
  label,
  placeholder = label,
  defaultValue,
  keep = {},
  action,
  maxLength,
  width,
}: {
  /** The box's accessible name. */
  label: string;
  placeholder?: string;
  defaultValue?: string;
  keep?: Record<string, string | undefined>;
  action?: string;
  maxLength?: number;
  width?: number;
}) {
  return (
    <form className={ui.form} action={action} method="get">
      {Object.entries(keep).map(([name, value]) =>
        value ? <input key={name} type="hidden" name={name} value={value} /> : null,
      )}
      <input
        className={ui.input}
        type="search"
        name="q"
        defaultValue={defaultValue}
        placeholder={placeholder}
        aria-label={label}
        maxLength={maxLength}
        style={width ? { width } : undefined}
      />
      <button type="submit" className={ui.button}>
        Search
      </button>
    </form>
  );
}
