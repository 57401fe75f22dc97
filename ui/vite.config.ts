import { defineConfig } from 'vitest/config';

// The API runs on `heeler serve`; `npm run dev` proxies it (HEELER_API, default :8080).
export default defineConfig({
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2020', sourcemap: false },
  server: { proxy: { '/api': process.env.HEELER_API ?? 'http://127.0.0.1:8080' } },
  test: { include: ['src/**/*.test.ts'] },
});
