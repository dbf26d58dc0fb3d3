import { defineConfig } from 'vite';

// Workspace packages resolve to their `src` through the `@framekit/source` condition, so the
// playground needs no build of the libraries, and a static build works from `vite preview`.
const conditions = ['@framekit/source', 'module', 'browser', 'import', 'default'];

export default defineConfig({
  base: './',
  resolve: { conditions },
  worker: { format: 'es' },
  build: { target: 'es2022', outDir: 'dist', sourcemap: true },
  preview: { host: '127.0.0.1' },
});
