import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';

const backend = `http://127.0.0.1:${process.env.PORT ?? '8080'}`;

export default defineConfig({
  root: 'client',
  publicDir: 'public',
  plugins: [solid()],
  build: { outDir: '../dist/client', emptyOutDir: true, sourcemap: false, target: 'es2022' },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': backend,
      '/sync': { target: backend.replace('http', 'ws'), ws: true },
    },
  },
});
