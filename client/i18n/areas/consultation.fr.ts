/** French messages of the «consultation» area; keys prefixed 'consultation.'. English twin: consultation.en.ts. */
export const consultationFr = {
} as const;
