import type { ViewType, ViewTypeMap } from './api';

type ViewConstructor = new (
  buffer: ArrayBufferLike,
  byteOffset: number,
  length: number,
) => ViewTypeMap[ViewType];

/** `mallocAs`'s element types: bytes per element and the typed-array constructor. */
export const VIEW_TYPES: Readonly<
  Record<ViewType, { readonly bytes: number; readonly make: ViewConstructor }>
> = Object.freeze({
  u8: { bytes: 1, make: Uint8Array },
  u8c: { bytes: 1, make: Uint8ClampedArray },
  i8: { bytes: 1, make: Int8Array },
  u16: { bytes: 2, make: Uint16Array },
  i16: { bytes: 2, make: Int16Array },
  u32: { bytes: 4, make: Uint32Array },
  i32: { bytes: 4, make: Int32Array },
  f32: { bytes: 4, make: Float32Array },
  f64: { bytes: 8, make: Float64Array },
  i64: { bytes: 8, make: BigInt64Array },
  u64: { bytes: 8, make: BigUint64Array },
});
