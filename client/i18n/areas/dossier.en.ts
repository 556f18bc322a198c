import type { dossierFr } from './dossier.fr.ts';

export const dossierEn = {
} as const satisfies { readonly [K in keyof typeof dossierFr]: string };
