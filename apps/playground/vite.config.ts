import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// Workspace packages resolve to their `src` through the `@framekit/source` condition, so the
// playground needs no build of the libraries, and a static build works from `vite preview`.
const conditions = ['@framekit/source', 'module', 'browser', 'import', 'default'];

export default defineConfig({
  base: './',
  resolve: { conditions },
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
    },
  },
  preview: { host: '127.0.0.1' },
});
