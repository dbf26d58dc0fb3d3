import type { RegionSink } from './sink';

/** Little-endian reads from firmware structures; reading past the end is a truncated map. */
export class ByteReader {
  readonly length: number;
  readonly #view: DataView;
  readonly #sink: RegionSink;
  /** Added to offsets in messages when the bytes sit inside a larger structure. */
  readonly #origin: number;

  constructor(bytes: Uint8Array, sink: RegionSink, origin = 0) {
    this.length = bytes.byteLength;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#sink = sink;
    this.#origin = origin;
  }

  #check(offset: number, size: number, what: string): void {
    if (offset + size > this.length) {
      throw this.#sink.fail(
        { offset: this.#origin + offset },
        `${what} needs ${size} bytes but only ${Math.max(0, this.length - offset)} remain (truncated)`,
      );
    }
  }

  u32(offset: number, what = 'a 32-bit field'): number {
    this.#check(offset, 4, what);
    return this.#view.getUint32(offset, true);
  }

  u64(offset: number, what = 'a 64-bit field'): bigint {
    this.#check(offset, 8, what);
    return this.#view.getBigUint64(offset, true);
  }
}

/** Little-endian writes for the encoders. */
export class ByteWriter {
  readonly bytes: Uint8Array;
  readonly #view: DataView;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.#view = new DataView(this.bytes.buffer);
  }

  u32(offset: number, value: number): void {
    this.#view.setUint32(offset, value, true);
  }

  u64(offset: number, value: bigint): void {
    this.#view.setBigUint64(offset, value, true);
  }
}

/** True when the bytes read as text (no control bytes a text dump would not hold, valid UTF-8). */
export function looksLikeText(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b < 0x09 || (b > 0x0d && b < 0x20) || b === 0x7f) return false;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

export function decodeText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes);
}
