/** French messages of the «room» area; keys prefixed 'room.'. English twin: room.en.ts. */
export const roomFr = {
} as const;
