/*
 * Relais service worker: the app shell loads offline once visited (SPEC §8).
 * - navigations: network first, falling back to the cached /index.html (the SPA shell);
 * - /assets/* (content-hashed by Vite): cache first;
 * - /api/ and /sync/ are never cached nor intercepted: patient data stays out of this cache
 *   (the fiche lives in IndexedDB through Yjs).
 * Bump VERSION to drop the old caches on the next activation.
 */
const VERSION = 'v1';
const CACHE = `relais-shell-${VERSION}`;
const SHELL = '/index.html';

function isPrivate(url) {
  return url.pathname.startsWith('/api/') || url.pathname.startsWith('/sync/') || url.pathname.startsWith('/dev/');
}

/** Caches the shell and the hashed assets it references, so the first offline reload works. */
async function precacheShell() {
  const cache = await caches.open(CACHE);
  const response = await fetch(SHELL, { cache: 'no-cache' });
  if (!response.ok) return;
  const html = await response.clone().text();
  await cache.put(SHELL, response);
  const assets = new Set();
  for (const match of html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)) assets.add(match[1]);
  await Promise.all(
    [...assets].map(async (path) => {
      const asset = await fetch(path);
      if (asset.ok) await cache.put(path, asset);
    }),
  );
}

self.addEventListener('install', (event) => {
  event.waitUntil(precacheShell().catch(() => undefined).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(names.filter((name) => name.startsWith('relais-shell-') && name !== CACHE).map((name) => caches.delete(name)));
      await self.clients.claim();
    })(),
  );
});

async function networkFirstShell(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    const type = response.headers.get('content-type') || '';
    if (response.ok && type.includes('text/html')) await cache.put(SHELL, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(SHELL);
    if (cached) return cached;
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || isPrivate(url)) return;
  if (request.mode === 'navigate') {
    event.respondWith(networkFirstShell(request));
  } else if (url.pathname.startsWith('/assets/')) {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname === '/favicon.svg') {
    event.respondWith(cacheFirst(request));
  }
});
