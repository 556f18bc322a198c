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
    // The tldraw island (mount.react, ~1.9 MB) loads only when a photo is annotated, and the main
    // chunk is ~630 kB: over Vite's 500 kB default, known. Past 2 MB a chunk still warns.
    chunkSizeWarningLimit: 2048,
    rolldownOptions: {
      // tldraw's dependencies (Radix, tiptap…) start with "use client", a React Server Components
      // marker that means nothing in a browser bundle: dozens of warnings a newcomer reads as
      // errors on the first `npm start`. Those are dropped, and rolldown's note that plugins took
      // most of the build's time (PLUGIN_TIMINGS: the Solid transform, longer on a busy machine);
      // every other warning shows.
      onLog(level, log, handler) {
        if (level === 'warn' && log.code === 'MODULE_LEVEL_DIRECTIVE' && log.message.includes('"use client"') && log.message.includes('node_modules/')) return;
        if (level === 'warn' && log.code === 'PLUGIN_TIMINGS') return;
        handler(level, log);
      },
    },
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': backend,
      '/sync': { target: backend.replace('http', 'ws'), ws: true },
    },
  },
});
