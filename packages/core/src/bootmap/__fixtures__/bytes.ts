/** Builds little-endian test structures field by field. */
export class Bytes {
  readonly #parts: number[] = [];

  u32(value: number): this {
    for (let i = 0; i < 4; i++) this.#parts.push((value >>> (8 * i)) & 0xff);
    return this;
  }

  u64(value: number | bigint): this {
    let v = BigInt(value);
    for (let i = 0; i < 8; i++) {
      this.#parts.push(Number(v & 0xffn));
      v >>= 8n;
    }
    return this;
  }

  zeros(count: number): this {
    for (let i = 0; i < count; i++) this.#parts.push(0);
    return this;
  }

  get length(): number {
    return this.#parts.length;
  }

  build(): Uint8Array {
    return Uint8Array.from(this.#parts);
  }
}

/** One `EFI_MEMORY_DESCRIPTOR` padded to `size` bytes. */
export function efiDescriptor(
  out: Bytes,
  type: number,
  start: number | bigint,
  pages: number | bigint,
  attributes: bigint = 0xfn,
  size = 48,
): Bytes {
  return out
    .u32(type)
    .u32(0)
    .u64(start)
    .u64(0)
    .u64(pages)
    .u64(attributes)
    .zeros(size - 40);
}
