/** French messages of the «dossier» area; keys prefixed 'dossier.'. English twin: dossier.en.ts. */
export const dossierFr = {
} as const;
