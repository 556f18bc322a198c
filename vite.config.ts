import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';

const backend = `http://127.0.0.1:${process.env.PORT ?? '8080'}`;

export default defineConfig({
  root: 'client',
  publicDir: 'public',
  // React only in the lazily loaded tldraw island (*.react.tsx), Solid everywhere else.
  plugins: [solid({ exclude: [/\.react\.tsx$/] })],
  // tsconfig's jsx: preserve is for Solid; the React island's JSX is compiled by Vite (oxc).
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  optimizeDeps: { exclude: ['@tldraw/assets'], include: ['react/jsx-dev-runtime', 'react-dom/client', 'tldraw'] },
  build: {
    outDir: '../dist/client',
    emptyOutDir: true,
    sourcemap: false,
    target: 'es2022',
    // tldraw fetches its translations; one small enough to inline would become a data: URL, which
    // the page's Content-Security-Policy (connect-src 'self') rightly refuses, and tldraw would
    // fall back to English. JSON stays a file.
    assetsInlineLimit: (file: string) => (file.endsWith('.json') ? false : undefined),
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': backend,
      '/sync': { target: backend.replace('http', 'ws'), ws: true },
    },
  },
});
