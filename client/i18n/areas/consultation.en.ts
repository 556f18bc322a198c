import type { consultationFr } from './consultation.fr.ts';

export const consultationEn = {
} as const satisfies { readonly [K in keyof typeof consultationFr]: string };
