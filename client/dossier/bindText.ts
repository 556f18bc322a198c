/**
 * Binds a <textarea> to a Y.Text (SPEC §7.1.2: the fiche is co-edited live).
 *
 * - Local input becomes the smallest change (common prefix and suffix kept) applied as one
 *   delete + insert in one transaction, with this binding's own origin.
 * - A change from anyone else rewrites the textarea and carries the caret and the selection
 *   through the change's delta, so an edit before the caret keeps the caret on the same character.
 * - During an IME composition nothing is written either way (rewriting the value would break the
 *   composition); remote deltas wait, and at the end the composed text is placed where it belongs
 *   in the text as it has become.
 * - Undo and redo go through a Y.UndoManager that only tracks this binding's own edits: a user
 *   never undoes a colleague's typing. (Rewriting the value programmatically wipes the browser's
 *   own undo stack anyway.)
 */
import * as Y from 'yjs';

/** One step of a Y.Text delta (formatting attributes are irrelevant to a caret). */
export interface DeltaOp {
  insert?: unknown;
  retain?: number;
  delete?: number;
}

/** A text change: at `index`, remove `remove` characters, then insert `insert`. */
export interface TextChange {
  index: number;
  remove: number;
  insert: string;
}

/**
 * Where does the caret at `index` go once `delta` is applied to the text?
 * Text inserted exactly at the caret goes after it when `assoc` < 0 (the caret stays before,
 * the default) and before it when `assoc` >= 0 (the caret moves past it). A deleted range that
 * held the caret leaves it at the start of the range.
 */
export function transformCaret(index: number, delta: readonly DeltaOp[], assoc: number = -1): number {
  let position = 0; // in the text before the change
  let shift = 0;
  for (const op of delta) {
    if (position > index) break;
    if (op.retain !== undefined) {
      position += op.retain;
    } else if (op.delete !== undefined) {
      shift -= Math.max(0, Math.min(op.delete, index - position));
      position += op.delete;
    } else if (op.insert !== undefined) {
      if (position < index || (position === index && assoc >= 0)) {
        shift += typeof op.insert === 'string' ? op.insert.length : 1;
      }
    }
  }
  return Math.max(0, index + shift);
}

function commonPrefix(a: string, b: string, max: number): number {
  let n = 0;
  while (n < max && a.charCodeAt(n) === b.charCodeAt(n)) n++;
  return n;
}

function commonSuffix(a: string, b: string, max: number): number {
  let n = 0;
  while (n < max && a.charCodeAt(a.length - 1 - n) === b.charCodeAt(b.length - 1 - n)) n++;
  return n;
}

function isLowSurrogate(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * The change that turns `before` into `after`. `cursor` (the caret in `after` right after the
 * input) settles ambiguous cases: typing «a» after the first «a» of «aa» is an insertion at 1,
 * not at 2. When the hint does not fit the change, the plain minimal diff is used.
 */
export function diffText(before: string, after: string, cursor: number = after.length): TextChange {
  if (before === after) return { index: before.length, remove: 0, insert: '' };
  const shortest = Math.min(before.length, after.length);

  const hintedSuffix = commonSuffix(before, after, Math.min(shortest, Math.max(0, after.length - cursor)));
  const hintedPrefix = commonPrefix(before, after, shortest - hintedSuffix);
  const plainPrefix = commonPrefix(before, after, shortest);
  const plainSuffix = commonSuffix(before, after, shortest - plainPrefix);

  let [prefix, suffix] =
    hintedPrefix + hintedSuffix >= plainPrefix + plainSuffix ? [hintedPrefix, hintedSuffix] : [plainPrefix, plainSuffix];
  // Never cut an emoji (a surrogate pair) in half: shrink the kept parts instead.
  if (prefix > 0 && (isLowSurrogate(before, prefix) || isLowSurrogate(after, prefix))) prefix -= 1;
  if (suffix > 0 && (isLowSurrogate(before, before.length - suffix) || isLowSurrogate(after, after.length - suffix))) {
    suffix -= 1;
  }
  return {
    index: prefix,
    remove: before.length - suffix - prefix,
    insert: after.slice(prefix, after.length - suffix),
  };
}

/** Applies `change` to `ytext` as one transaction. */
export function applyChange(ytext: Y.Text, change: TextChange, origin: unknown): void {
  if (change.remove === 0 && change.insert === '') return;
  const apply = () => {
    if (change.remove > 0) ytext.delete(change.index, change.remove);
    if (change.insert !== '') ytext.insert(change.index, change.insert);
  };
  if (ytext.doc) ytext.doc.transact(apply, origin);
  else apply();
}

/** Binds `textarea` to `ytext`; returns the function that unbinds them. */
export function bindTextarea(textarea: HTMLTextAreaElement, ytext: Y.Text): () => void {
  const origin = { binding: 'textarea' };
  const undoManager = new Y.UndoManager(ytext, { trackedOrigins: new Set([origin]), captureTimeout: 600 });

  let composing = false;
  /** The value when the composition started: in step with ytext at that moment. */
  let compositionBase = '';
  /** Remote deltas received during a composition, in order. */
  let waitingDeltas: DeltaOp[][] = [];

  textarea.value = ytext.toString();

  const pushLocal = () => {
    const change = diffText(ytext.toString(), textarea.value, textarea.selectionEnd);
    applyChange(ytext, change, origin);
  };

  const showRemote = (delta: readonly DeltaOp[]) => {
    const focused = textarea.ownerDocument.activeElement === textarea;
    const { selectionStart, selectionEnd, selectionDirection, scrollTop } = textarea;
    textarea.value = ytext.toString();
    if (focused) {
      const collapsed = selectionStart === selectionEnd;
      const start = transformCaret(selectionStart, delta, collapsed ? -1 : 0);
      const end = collapsed ? start : Math.max(start, transformCaret(selectionEnd, delta, -1));
      textarea.setSelectionRange(start, end, selectionDirection ?? 'none');
    }
    textarea.scrollTop = scrollTop;
  };

  const onInput = (event: Event) => {
    if (composing || (event as InputEvent).isComposing) return;
    pushLocal();
  };

  const onCompositionStart = () => {
    composing = true;
    compositionBase = textarea.value;
    waitingDeltas = [];
  };

  const onCompositionEnd = () => {
    composing = false;
    const deltas = waitingDeltas;
    waitingDeltas = [];
    if (deltas.length === 0) {
      pushLocal();
      return;
    }
    // The textarea holds base + composed text, ytext holds base + remote edits: move the local
    // change through the remote ones, then show the merged text.
    const local = diffText(compositionBase, textarea.value, textarea.selectionEnd);
    let start = local.index;
    let end = local.index + local.remove;
    for (const delta of deltas) {
      start = transformCaret(start, delta, 0);
      end = transformCaret(end, delta, -1);
    }
    applyChange(ytext, { index: start, remove: Math.max(0, end - start), insert: local.insert }, origin);
    textarea.value = ytext.toString();
    const caret = start + local.insert.length;
    textarea.setSelectionRange(caret, caret);
  };

  const observer = (event: Y.YTextEvent) => {
    if (event.transaction.origin === origin) return;
    const delta = event.delta as DeltaOp[];
    if (composing) waitingDeltas.push(delta);
    else showRemote(delta);
  };

  const runHistory = (redo: boolean) => {
    if (redo) undoManager.redo();
    else undoManager.undo();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || composing) return;
    const key = event.key.toLowerCase();
    if (key === 'z' || key === 'y') {
      event.preventDefault();
      runHistory(key === 'y' || event.shiftKey);
    }
  };
  const onBeforeInput = (event: InputEvent) => {
    if (event.inputType === 'historyUndo' || event.inputType === 'historyRedo') {
      event.preventDefault();
      runHistory(event.inputType === 'historyRedo');
    }
  };

  textarea.addEventListener('input', onInput);
  textarea.addEventListener('compositionstart', onCompositionStart);
  textarea.addEventListener('compositionend', onCompositionEnd);
  textarea.addEventListener('keydown', onKeyDown);
  textarea.addEventListener('beforeinput', onBeforeInput);
  ytext.observe(observer);

  return () => {
    ytext.unobserve(observer);
    textarea.removeEventListener('input', onInput);
    textarea.removeEventListener('compositionstart', onCompositionStart);
    textarea.removeEventListener('compositionend', onCompositionEnd);
    textarea.removeEventListener('keydown', onKeyDown);
    textarea.removeEventListener('beforeinput', onBeforeInput);
    undoManager.destroy();
  };
}
