/**
 * What a participant's socket may write in a shared document (SPEC §9, docs/SECURITY.md): for each
 * root type of a document kind, the shallowest level a client may insert or delete at. Level 1 is
 * the root's own entries (a key of a root Y.Map, an element of a root Y.Array); level 2 is inside
 * one of those (the text of a fiche field, the records of one image's canvas), and so on.
 * A root type that is not listed is written by the server alone, and so is a new root type.
 *
 * Why levels rather than a flag per root: the fiche's fields and the canvases are created by the
 * server (two clients creating the same field would each win in turn and one of them would lose
 * what was typed), while what is inside them is co-edited. Pure code: no I/O.
 */
export type ClientWrites = Readonly<Record<string, number>>;

/** True when a client may insert or delete an item at `level` under root type `root`. */
export function clientMayWrite(writes: ClientWrites, root: string, level: number): boolean {
  const shallowest = Object.hasOwn(writes, root) ? writes[root] : undefined;
  return shallowest !== undefined && level >= shallowest;
}
