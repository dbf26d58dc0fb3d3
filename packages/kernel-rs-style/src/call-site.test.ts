import { describe, expect, it } from 'vitest';
import { captureStack, formatLocation, locate, parseFrame } from './call-site';

describe('parseFrame', () => {
  it('reads V8 frames with and without a function name', () => {
    expect(parseFrame('    at Object.<anonymous> (/app/src/main.ts:12:7)')).toEqual({
      file: '/app/src/main.ts',
      line: 12,
      column: 7,
    });
    expect(parseFrame('    at /app/a b/main.js:3:1')).toEqual({
      file: '/app/a b/main.js',
      line: 3,
      column: 1,
    });
    expect(parseFrame('    at async run (file:///app/x%20y.mjs:9:2)')).toEqual({
      file: '/app/x y.mjs',
      line: 9,
      column: 2,
    });
    expect(parseFrame('    at C:\\app\\main.js:5:6')).toEqual({
      file: 'C:\\app\\main.js',
      line: 5,
      column: 6,
    });
  });

  it('reads SpiderMonkey / JavaScriptCore frames', () => {
    expect(parseFrame('leak@http://localhost:5173/src/app.ts:40:13')).toEqual({
      file: 'http://localhost:5173/src/app.ts',
      line: 40,
      column: 13,
    });
    expect(parseFrame('@http://localhost/@fs/app.js:1:2')?.file).toBe('http://localhost/@fs/app.js');
  });

  it('skips lines that are no frame', () => {
    expect(parseFrame('Error: boom')).toBeUndefined();
    expect(parseFrame('    at new Promise (<anonymous>)')).toBeUndefined();
    expect(parseFrame('    at async Promise.all (index 0)')).toBeUndefined();
    expect(parseFrame('    at eval (eval at run (/app/x.js:1:1), <anonymous>:1:1)')).toBeUndefined();
  });
});

describe('captureStack / locate', () => {
  function entry() {
    return captureStack(entry);
  }

  it('starts at the caller of the entry function', () => {
    const location = locate(entry());
    expect(location?.file).toMatch(/call-site\.test\.ts$/);
    expect(formatLocation(location)).toMatch(/call-site\.test\.ts:\d+:\d+$/);
  });

  it('without a trimmed stack, skips this package’s own frames', () => {
    const location = locate({
      stack: [
        'Error',
        `    at alloc (${import.meta.dirname}/page.ts:10:3)`,
        '    at user (/elsewhere/app.ts:7:9)',
      ].join('\n'),
      trimmed: false,
    });
    expect(location).toEqual({ file: '/elsewhere/app.ts', line: 7, column: 9 });
    expect(formatLocation(locate({ stack: '', trimmed: true }))).toBe('<unknown>');
  });
});
