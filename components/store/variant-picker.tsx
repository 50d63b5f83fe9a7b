export interface PickerOption {
  id: string;
  option: string;
  inStock: boolean;
  /** A colour option's swatch; size options are shown as labelled buttons. */
  swatch?: string;
}

/**
 * The option choice as a radio group: native keyboard behaviour (arrows move, one tab stop) and a
 * legend that says what is chosen. Sold-out options stay choosable, to reach the back-in-stock form.
 */
export function VariantPicker({
  kind,
  options,
  selectedId,
  onSelect,
}: {
  kind: string;
  options: PickerOption[];
  selectedId: string;
  onSelect: (id: string) => void;
}) {
  const selected = options.find((o) => o.id === selectedId);
  return (
    <fieldset className="picker">
      <legend className="picker__legend">
        {kind}: <strong>{selected?.option}</strong>
        {selected && !selected.inStock ? <span className="picker__note"> — sold out</span> : null}
      </legend>
      <div className="picker__options">
        {options.map((o) => (
          <label
            key={o.id}
            className={[
              'picker__option',
              o.swatch ? 'picker__option--swatch' : '',
              o.inStock ? '' : 'picker__option--out',
            ].join(' ')}
            title={o.inStock ? o.option : `${o.option} (sold out)`}
          >
            <input
              type="radio"
              name="variant"
              value={o.id}
              checked={o.id === selectedId}
              onChange={() => onSelect(o.id)}
              className="visually-hidden"
            />
            {o.swatch ? (
              <>
                <span className="swatch" style={{ background: o.swatch }} aria-hidden="true" />
                <span className="visually-hidden">
                  {o.option}
                  {o.inStock ? '' : ' (sold out)'}
                </span>
              </>
            ) : (
              <span>
                {o.option}
                {o.inStock ? null : <span className="visually-hidden"> (sold out)</span>}
              </span>
            )}
          </label>
        ))}
      </div>
    </fieldset>
  );
}
