/** French messages of the «accounts» area; keys prefixed 'accounts.'. English twin: accounts.en.ts. */
export const accountsFr = {
} as const;
