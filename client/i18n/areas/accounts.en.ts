import type { accountsFr } from './accounts.fr.ts';

export const accountsEn = {
} as const satisfies { readonly [K in keyof typeof accountsFr]: string };
