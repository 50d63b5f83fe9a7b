import { invalid } from '../core/errors.js';

/**
 * Klaviyo's filter grammar (developers.klaviyo.com "Filtering"): `op(field,value)` calls joined by
 * top-level commas (an implicit AND) or `and(...)`; strings in single or double quotes with backslash
 * escapes; datetimes unquoted; numbers, `true`, `false`, `null` and `[...]` arrays.
 */
export type FilterValue =
  | { kind: 'string'; value: string }
  | { kind: 'datetime'; value: string; ms: number }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' }
  | { kind: 'array'; items: FilterValue[] };

export interface Condition {
  operator: string;
  field: string;
  value?: FilterValue;
}

const DATETIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const FIELD = /^[A-Za-z_$][\w$.-]*$/;

class Parser {
  private pos = 0;
  constructor(private readonly text: string) {}

  private fail(message: string): never {
    throw invalid(`Invalid filter provided: ${message} at position ${this.pos} in '${this.text}'.`, {
      parameter: 'filter',
    });
  }

  private peek(): string | undefined {
    return this.text[this.pos];
  }

  private skipSpaces(): void {
    while (this.peek() === ' ') this.pos++;
  }

  private expect(char: string): void {
    this.skipSpaces();
    if (this.peek() !== char) this.fail(`expected '${char}'`);
    this.pos++;
  }

  parse(): Condition[] {
    const conditions = this.list();
    this.skipSpaces();
    if (this.pos !== this.text.length) this.fail('unexpected trailing text');
    return conditions;
  }

  /** call (',' call)* — a top-level comma is an implicit AND. */
  private list(): Condition[] {
    const out = this.call();
    this.skipSpaces();
    while (this.peek() === ',') {
      this.pos++;
      out.push(...this.call());
      this.skipSpaces();
    }
    return out;
  }

  private word(pattern: RegExp): string {
    this.skipSpaces();
    const start = this.pos;
    while (this.pos < this.text.length && pattern.test(this.text[this.pos] ?? '')) this.pos++;
    return this.text.slice(start, this.pos);
  }

  private call(): Condition[] {
    const operator = this.word(/[a-z-]/);
    if (!operator) this.fail('expected an operator such as equals(...)');
    this.expect('(');
    if (operator === 'and') {
      const inner = this.list();
      this.expect(')');
      return inner;
    }
    if (operator === 'or' || operator === 'not') this.fail(`'${operator}' is not supported`);
    const field = this.word(/[\w$.-]/);
    if (!FIELD.test(field)) this.fail('expected a field name');
    this.skipSpaces();
    if (operator === 'has') {
      this.expect(')');
      return [{ operator, field }];
    }
    this.expect(',');
    const value = this.value();
    this.expect(')');
    return [{ operator, field, value }];
  }

  private value(): FilterValue {
    this.skipSpaces();
    const c = this.peek();
    if (c === '"' || c === "'") return { kind: 'string', value: this.quoted(c) };
    if (c === '[') {
      this.pos++;
      const items: FilterValue[] = [];
      this.skipSpaces();
      if (this.peek() === ']') {
        this.pos++;
        return { kind: 'array', items };
      }
      for (;;) {
        items.push(this.value());
        this.skipSpaces();
        if (this.peek() === ',') {
          this.pos++;
          continue;
        }
        this.expect(']');
        return { kind: 'array', items };
      }
    }
    const raw = this.word(/[^,)\]\s]/);
    if (raw === 'true' || raw === 'false') return { kind: 'boolean', value: raw === 'true' };
    if (raw === 'null') return { kind: 'null' };
    if (DATETIME.test(raw)) {
      const ms = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(raw) || raw.length === 10 ? raw : `${raw}Z`);
      if (Number.isNaN(ms)) this.fail(`'${raw}' is not a valid datetime`);
      return { kind: 'datetime', value: raw, ms };
    }
    if (NUMBER.test(raw)) return { kind: 'number', value: Number(raw) };
    if (!raw) this.fail('expected a value');
    return this.fail(`'${raw}' is not a valid value; strings must be quoted`);
  }

  /** JSON's escapes (the SDK's FilterBuilder quotes with JSON.stringify); any other char stands for itself. */
  private escape(next: string): string {
    const simple: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
    if (next in simple) return simple[next] as string;
    if (next === 'u') {
      const hex = this.text.slice(this.pos, this.pos + 4);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape');
      this.pos += 4;
      return String.fromCharCode(Number.parseInt(hex, 16));
    }
    return next;
  }

  private quoted(quote: string): string {
    this.pos++;
    let out = '';
    while (this.pos < this.text.length) {
      const c = this.text[this.pos++];
      if (c === '\\') {
        const next = this.text[this.pos++];
        if (next === undefined) break;
        out += this.escape(next);
      } else if (c === quote) {
        return out;
      } else {
        out += c;
      }
    }
    return this.fail('unterminated string');
  }
}

/** Parses a filter expression into a flat AND of conditions, or throws a 400 `invalid`. */
export function parseFilter(text: string): Condition[] {
  return new Parser(text).parse();
}
