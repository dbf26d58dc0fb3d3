import type { RegionSink } from '../sink';

/** One item of a property value: a `<…>` cell list, a string, a `[…]` byte string or a `&reference`. */
export type DtValue =
  | { readonly type: 'cells'; readonly cells: readonly string[] }
  | { readonly type: 'string'; readonly text: string }
  | { readonly type: 'bytes' }
  | { readonly type: 'ref' };

export interface DtProperty {
  readonly name: string;
  readonly line: number;
  readonly values: readonly DtValue[];
}

export interface DtNode {
  /** The name without labels: `memory@80000000`, `/`, `&label`. */
  readonly name: string;
  readonly line: number;
  readonly props: Map<string, DtProperty>;
  readonly children: DtNode[];
}

/** A `/memreserve/ address size;` line. */
export interface DtReserve {
  readonly address: string;
  readonly size: string;
  readonly line: number;
}

export interface DtDocument {
  /** Everything outside any node: top-level nodes, and properties of a snippet with no node around them. */
  readonly top: DtNode;
  readonly memreserve: readonly DtReserve[];
}

const NAME_CHAR = /[A-Za-z0-9,._+*#?@\-/&$]/;
const PREPROCESSOR = /^#\s*(?:include|define|undef|if|ifdef|ifndef|elif|else|endif|pragma|line)\b|^#(?:\s|$)/;

/**
 * A reader for the device-tree source subset memory maps need: nodes, labels, properties
 * with cell lists, strings, byte strings and references, `/memreserve/`, comments and
 * preprocessor lines (skipped, as are `#` comment lines in pasted notes).
 */
class DtsReader {
  readonly #src: string;
  readonly #sink: RegionSink;
  #pos = 0;
  #line = 1;

  constructor(src: string, sink: RegionSink) {
    this.#src = src;
    this.#sink = sink;
  }

  fail(reason: string): Error {
    return this.#sink.fail({ line: this.#line }, reason);
  }

  get line(): number {
    return this.#line;
  }

  #peek(offset = 0): string {
    return this.#src[this.#pos + offset] ?? '';
  }

  #advance(count = 1): void {
    for (let i = 0; i < count && this.#pos < this.#src.length; i++) {
      if (this.#src[this.#pos] === '\n') this.#line++;
      this.#pos++;
    }
  }

  #atLineStart(): boolean {
    for (let i = this.#pos - 1; i >= 0; i--) {
      const c = this.#src[i];
      if (c === '\n') return true;
      if (c !== ' ' && c !== '\t' && c !== '\r') return false;
    }
    return true;
  }

  eof(): boolean {
    this.skipBlank();
    return this.#pos >= this.#src.length;
  }

  skipBlank(): void {
    for (;;) {
      const c = this.#peek();
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n') this.#advance();
      else if (c === '/' && this.#peek(1) === '*') {
        const close = this.#src.indexOf('*/', this.#pos + 2);
        if (close < 0) throw this.fail('unterminated /* comment');
        this.#advance(close + 2 - this.#pos);
      } else if (c === '/' && this.#peek(1) === '/') {
        this.#skipToLineEnd();
      } else if (
        c === '#' &&
        this.#atLineStart() &&
        PREPROCESSOR.test(this.#src.slice(this.#pos, this.#pos + 12))
      ) {
        this.#skipToLineEnd();
      } else return;
    }
  }

  #skipToLineEnd(): void {
    const end = this.#src.indexOf('\n', this.#pos);
    this.#advance((end < 0 ? this.#src.length : end) - this.#pos);
  }

  startsWith(text: string): boolean {
    this.skipBlank();
    return this.#src.startsWith(text, this.#pos);
  }

  expect(text: string): void {
    if (!this.startsWith(text))
      throw this.fail(
        `expected '${text}' but found '${this.#src.slice(this.#pos, this.#pos + 12).split('\n')[0]}'`,
      );
    this.#advance(text.length);
  }

  /** A run of name characters (node and property names, labels, numbers). */
  word(): string {
    this.skipBlank();
    const start = this.#pos;
    while (this.#pos < this.#src.length && NAME_CHAR.test(this.#peek())) this.#advance();
    if (this.#pos === start) throw this.fail(`unexpected '${this.#peek()}'`);
    return this.#src.slice(start, this.#pos);
  }

  /** The next name, with labels (`name:`) skipped. */
  name(): string {
    for (;;) {
      const w = this.word();
      if (this.#peek() === ':') {
        this.#advance();
        continue;
      }
      return w;
    }
  }

  #quoted(close: string): string {
    const start = this.#pos;
    this.#advance();
    while (this.#pos < this.#src.length && this.#peek() !== close) {
      if (this.#peek() === '\\') this.#advance();
      this.#advance();
    }
    if (this.#pos >= this.#src.length)
      throw this.fail(`unterminated ${close === '"' ? 'string' : 'character'}`);
    this.#advance();
    return this.#src.slice(start + 1, this.#pos - 1);
  }

  /** `(…)` with nested parentheses, as one cell's text. */
  #expression(): string {
    const start = this.#pos;
    let depth = 0;
    do {
      const c = this.#peek();
      if (c === '') throw this.fail('unterminated ( expression');
      if (c === '(') depth++;
      else if (c === ')') depth--;
      this.#advance();
    } while (depth > 0);
    return this.#src.slice(start, this.#pos);
  }

  #cells(): DtValue {
    this.expect('<');
    const cells: string[] = [];
    for (;;) {
      this.skipBlank();
      const c = this.#peek();
      if (c === '>') {
        this.#advance();
        return { type: 'cells', cells };
      }
      if (c === '') throw this.fail("unterminated '<' cell list");
      if (c === '(') cells.push(this.#expression());
      else if (c === "'") cells.push(`'${this.#quoted("'")}'`);
      else cells.push(this.word());
    }
  }

  /** A property value list after `=`, up to (not including) the `;`. */
  values(): DtValue[] {
    const out: DtValue[] = [];
    for (;;) {
      this.skipBlank();
      const c = this.#peek();
      if (this.#src.startsWith('/bits/', this.#pos)) {
        this.#advance(6);
        this.word();
        out.push(this.#cells());
      } else if (c === '<') out.push(this.#cells());
      else if (c === '"') out.push({ type: 'string', text: this.#quoted('"') });
      else if (c === '[') {
        const close = this.#src.indexOf(']', this.#pos);
        if (close < 0) throw this.fail("unterminated '[' byte string");
        this.#advance(close + 1 - this.#pos);
        out.push({ type: 'bytes' });
      } else if (c === '&') {
        if (this.#peek(1) === '{') {
          const close = this.#src.indexOf('}', this.#pos);
          if (close < 0) throw this.fail("unterminated '&{' reference");
          this.#advance(close + 1 - this.#pos);
        } else this.word();
        out.push({ type: 'ref' });
      } else throw this.fail(`unexpected '${c || 'end of text'}' in a property value`);
      if (this.startsWith(',')) {
        this.#advance();
        continue;
      }
      return out;
    }
  }
}

function newNode(name: string, line: number): DtNode {
  return { name, line, props: new Map(), children: [] };
}

/** Reads node bodies and properties into `node` until `}` (or the end, at the top level). */
/** Deeper nesting than any real tree has is garbage (and would exhaust the stack). */
const MAX_DEPTH = 64;

function readBody(reader: DtsReader, node: DtNode, depth: number, memreserve: DtReserve[]): void {
  const top = depth === 0;
  for (;;) {
    if (reader.eof()) {
      if (top) return;
      throw reader.fail(`node '${node.name}' is not closed`);
    }
    if (reader.startsWith('}')) {
      if (top) throw reader.fail("unexpected '}'");
      reader.expect('}');
      return;
    }
    if (top && (reader.startsWith('/dts-v1/') || reader.startsWith('/plugin/'))) {
      reader.word();
      reader.expect(';');
      continue;
    }
    if (top && reader.startsWith('/memreserve/')) {
      reader.expect('/memreserve/');
      const line = reader.line;
      const address = reader.word();
      const size = reader.word();
      reader.expect(';');
      memreserve.push({ address, size, line });
      continue;
    }
    if (reader.startsWith('/delete-node/') || reader.startsWith('/delete-property/')) {
      reader.word();
      reader.name();
      reader.expect(';');
      continue;
    }
    const line = reader.line;
    const name = reader.name();
    if (reader.startsWith('{')) {
      reader.expect('{');
      const child = newNode(name, line);
      if (depth >= MAX_DEPTH) throw reader.fail(`nodes nested deeper than ${MAX_DEPTH} levels`);
      readBody(reader, child, depth + 1, memreserve);
      if (reader.startsWith(';')) reader.expect(';');
      node.children.push(child);
    } else if (reader.startsWith('=')) {
      reader.expect('=');
      const values = reader.values();
      reader.expect(';');
      node.props.set(name, { name, line, values });
    } else {
      reader.expect(';');
      node.props.set(name, { name, line, values: [] });
    }
  }
}

/** Parses device-tree source (or a snippet of it). */
export function readDts(src: string, sink: RegionSink): DtDocument {
  const reader = new DtsReader(src, sink);
  const top = newNode('', 1);
  const memreserve: DtReserve[] = [];
  readBody(reader, top, 0, memreserve);
  return { top, memreserve };
}
