import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// Workspace packages resolve to their `src` through the `@framekit/source` condition, so the
// playground needs no build of the libraries, and a static build works from `vite preview`.
const conditions = ['@framekit/source', 'module', 'browser', 'import', 'default'];

// Cross-origin isolation: SharedArrayBuffer exists only in isolated pages, and
// @framekit/alloc-llfree keeps its whole state in one, shared with Web Workers.
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  base: './',
  resolve: {
    conditions,
  },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    outDir: 'dist',
    sourcemap: true,
    // Two pages: the frame allocators and the heap.
    rollupOptions: {
      input: {
        main: resolve(import.meta.dirname, 'index.html'),
        heap: resolve(import.meta.dirname, 'heap.html'),
      },
      onwarn(warning, warn) {
        // zod's sources carry explanatory comments next to `@__PURE__` marks; Rollup notes that it
        // drops those comments. Nothing in the bundle changes, so the note is not shown.
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('/zod/')) return;
        warn(warning);
      },
    },
  },
  server: { headers: isolation },
  preview: { host: '127.0.0.1', headers: isolation },
});
