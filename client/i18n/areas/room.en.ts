import type { roomFr } from './room.fr.ts';

export const roomEn = {
} as const satisfies { readonly [K in keyof typeof roomFr]: string };
