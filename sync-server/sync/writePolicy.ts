/**
 * Where a client's Yjs update lands, checked before the room applies it (SPEC §9, docs/SECURITY.md):
 * every struct it inserts and every item it deletes must sit where the document kind's
 * `ClientWrites` lets a participant write. An update that touches anything else (a signature, a
 * document entry, the room's `sent` list, a fiche field itself, a new root type) is refused whole:
 * nothing applied, stored or fanned out.
 *
 * How a struct's place is found without applying it: an item names its parent (a root type by
 * key, or the item that holds the parent type), or else it sits beside its origin (or right
 * origin) and so under the same parent. Those references resolve in the room's document or
 * earlier in the same update. One that resolves nowhere (a real client typing during a reconnect,
 * before its offline edits arrive) stays pending in Yjs; the room checks such structs again, from
 * what was pending, once they are integrated (`checkIntegratedPending`).
 */
import * as Y from 'yjs';
import { clientMayWrite, type ClientWrites } from '../../schema/clientWrites.ts';
import { CloseCode, SyncProtocolError } from './closeCodes.ts';

/** Where an item lives: its root type's key and its depth under it (1: the root's own entries). */
interface Place {
  root: string;
  level: number;
}

/** An item whose place cannot be known now; or one Yjs will turn into a GC (no content, no place). */
type Unplaced = 'unknown' | 'inert';

type Decoded = ReturnType<typeof Y.decodeUpdate>;

/** Nesting deeper than this is refused: no layout of ours comes near it, and the walk stays bounded. */
const MAX_LEVEL = 32;

export function forbidden(): SyncProtocolError {
  return new SyncProtocolError(CloseCode.ForbiddenWrite, 'server-owned data');
}

/** Throws ForbiddenWrite unless every insertion and deletion of `decoded` is one a client may make. */
export function checkClientUpdate(doc: Y.Doc, decoded: Decoded, writes: ClientWrites): void {
  const store = doc.store;
  const own = indexByClient(decoded.structs);
  const places = new Map<Y.Item, Place | Unplaced>();

  /**
   * The place of a struct of this update. Iterative, with what is found kept: a client's sync
   * step 2 after a reconnect chains thousands of structs, each beside the one before it.
   */
  const placeOfNew = (start: Y.Item): Place | Unplaced => {
    // The walk from `start` to something whose place is known; `nested` says whether each step
    // goes one level up (to the item holding the parent type) or sideways (to a neighbour).
    const walk: { item: Y.Item; nested: boolean }[] = [];
    const onWalk = new Set<Y.Item>();
    let item = start;
    let found: Place | Unplaced;
    for (;;) {
      const known = places.get(item);
      if (known !== undefined) {
        found = known;
        break;
      }
      const parent = item.parent as unknown;
      let next: Y.ID | null;
      let nested = false;
      if (typeof parent === 'string') {
        found = { root: parent, level: 1 };
        places.set(item, found);
        break;
      } else if (parent instanceof Y.ID) {
        next = parent;
        nested = true;
      } else {
        // Neither parent nor neighbour: Yjs integrates it as a GC (no content).
        next = item.origin ?? item.rightOrigin;
      }
      walk.push({ item, nested });
      onWalk.add(item);
      if (next === null) {
        found = 'inert';
        break;
      }
      if (next.clock < Y.getState(store, next.client)) {
        const struct = storedStruct(store, next);
        found = struct instanceof Y.Item ? placeOfStored(struct) : 'inert';
        break;
      }
      const ahead = findIn(own, next);
      if (!(ahead instanceof Y.Item)) {
        found = ahead ? 'inert' : 'unknown';
        break;
      }
      // A cycle of references can never integrate: Yjs keeps it pending.
      if (onWalk.has(ahead)) {
        found = 'unknown';
        break;
      }
      item = ahead;
    }
    for (let i = walk.length - 1; i >= 0; i--) {
      const step = walk[i]!;
      if (step.nested && typeof found !== 'string') {
        if (found.level >= MAX_LEVEL) throw forbidden();
        found = { root: found.root, level: found.level + 1 };
      }
      places.set(step.item, found);
    }
    return places.get(start) ?? found;
  };

  for (const struct of decoded.structs) {
    if (!(struct instanceof Y.Item)) continue;
    // What the server has already is skipped by Yjs; a partly known item keeps the same parent.
    if (struct.id.clock + struct.length <= Y.getState(store, struct.id.client)) continue;
    const place = placeOfNew(struct);
    if (typeof place !== 'string' && !clientMayWrite(writes, place.root, place.level)) throw forbidden();
  }
  forEachStoredDeletion(store, decoded.ds, (item) => {
    // Already deleted: the deletion changes nothing (a sync step 2 carries the whole delete set).
    if (!item.deleted) checkStored(item, writes);
  });
}

/** What Yjs holds back (both as update v2), as it was before a transaction. */
export interface Pending {
  structs: Uint8Array | null;
  deletes: Uint8Array | null;
}

export function pendingOf(doc: Y.Doc): Pending | null {
  const { pendingStructs, pendingDs } = doc.store;
  return pendingStructs || pendingDs ? { structs: pendingStructs?.update ?? null, deletes: pendingDs } : null;
}

/**
 * Throws ForbiddenWrite if what was pending before a transaction, and is integrated now, lies
 * where a client may not write. Whoever's transaction it was (a client's, or the server's own edit
 * that supplied what the pending structs waited for), the pending part came from a client.
 */
export function checkIntegratedPending(doc: Y.Doc, before: Pending, writes: ClientWrites): void {
  const store = doc.store;
  if (before.structs) {
    for (const struct of Y.decodeUpdateV2(before.structs).structs) {
      if (!(struct instanceof Y.Item) || struct.id.clock >= Y.getState(store, struct.id.client)) continue;
      const stored = storedStruct(store, struct.id);
      if (stored instanceof Y.Item) checkStored(stored, writes);
    }
  }
  if (before.deletes) {
    forEachStoredDeletion(store, Y.decodeUpdateV2(before.deletes).ds, (item) => {
      if (item.deleted) checkStored(item, writes);
    });
  }
}

/** Each item the store holds in a delete set's ranges (what it lacks is pending in Yjs, checked once it applies). */
function forEachStoredDeletion(store: Y.Doc['store'], ds: Decoded['ds'], visit: (item: Y.Item) => void): void {
  ds.clients.forEach((ranges, client) => {
    const structs = store.clients.get(client);
    if (!structs) return;
    const known = Y.getState(store, client);
    for (const { clock, len } of ranges) {
      if (clock >= known) continue;
      for (let i = Y.findIndexSS(structs, clock); i < structs.length && structs[i]!.id.clock < clock + len; i++) {
        const struct = structs[i]!;
        if (struct instanceof Y.Item) visit(struct);
      }
    }
  });
}

function checkStored(item: Y.Item, writes: ClientWrites): void {
  const place = placeOfStored(item);
  if (!clientMayWrite(writes, place.root, place.level)) throw forbidden();
}

/** The place of an item the document holds: up through the items that hold its parent types. */
function placeOfStored(item: Y.Item): Place {
  let level = 1;
  let type = item.parent as Y.AbstractType<unknown>;
  while (type._item !== null) {
    if (++level > MAX_LEVEL) throw forbidden();
    type = type._item.parent as Y.AbstractType<unknown>;
  }
  return { root: Y.findRootTypeKey(type), level };
}

function storedStruct(store: Y.Doc['store'], id: Y.ID): Y.Item | Y.GC {
  const structs = store.clients.get(id.client)!;
  return structs[Y.findIndexSS(structs, id.clock)]!;
}

type Struct = Y.Item | Y.GC | Y.Skip;

function indexByClient(structs: Struct[]): Map<number, Struct[]> {
  const byClient = new Map<number, Struct[]>();
  for (const struct of structs) {
    const list = byClient.get(struct.id.client);
    if (list) list.push(struct);
    else byClient.set(struct.id.client, [struct]);
  }
  return byClient;
}

/** The struct of the update that covers `id` (structs of one client come in clock order). */
function findIn(byClient: Map<number, Struct[]>, id: Y.ID): Struct | null {
  const list = byClient.get(id.client);
  if (!list) return null;
  let low = 0;
  let high = list.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const struct = list[mid]!;
    if (id.clock < struct.id.clock) high = mid - 1;
    else if (id.clock >= struct.id.clock + struct.length) low = mid + 1;
    else return struct instanceof Y.Skip ? null : struct;
  }
  return null;
}
