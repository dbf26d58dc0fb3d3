import { describe, expect, it } from 'vitest';
import { setConstant } from './constant';

describe('setConstant', () => {
  it('sets a property once: readable, read-only, hidden from enumeration, and never set twice', () => {
    class Holder {
      declare readonly words: Uint32Array;
      constructor() {
        setConstant(this, 'words', new Uint32Array(4));
      }
    }
    const holder = new Holder();
    expect(holder.words.length).toBe(4);
    expect(Object.keys(holder)).toEqual([]);
    expect(JSON.stringify(holder)).toBe('{}');
    expect(() => {
      (holder as { words: unknown }).words = null;
    }).toThrow(TypeError);
    expect(() => setConstant(holder, 'words', new Uint32Array(1))).toThrow(TypeError);
    expect(holder.words.length).toBe(4);
  });
});
