import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyChange, diffText, transformCaret, type DeltaOp } from './bindText.ts';

/** The delta a remote peer's edit produces on a Y.Text holding `text`. */
function remoteDelta(text: string, edit: (ytext: Y.Text) => void): DeltaOp[] {
  const doc = new Y.Doc();
  const ytext = doc.getText('t');
  ytext.insert(0, text);
  let delta: DeltaOp[] = [];
  ytext.observe((event) => {
    delta = event.delta;
  });
  edit(ytext);
  return delta;
}

describe('transformCaret — §7.1.2 a colleague typing does not move my caret', () => {
  it('moves the caret by the length of text inserted before it', () => {
    // «Toux sèche|» ; a colleague writes «Forte » at the start.
    const delta = remoteDelta('Toux sèche', (t) => t.insert(0, 'Forte '));
    expect(transformCaret(10, delta)).toBe(16);
  });

  it('keeps the caret where it is when text is inserted after it', () => {
    const delta = remoteDelta('Toux sèche', (t) => t.insert(10, ' depuis 3 jours'));
    expect(transformCaret(4, delta)).toBe(4);
  });

  it('does not jump to the end when the edit is far after the caret', () => {
    const delta = remoteDelta('abcdef', (t) => t.insert(6, 'XYZ'));
    expect(transformCaret(0, delta)).toBe(0);
    expect(transformCaret(3, delta)).toBe(3);
  });

  it('moves the caret back by the length of text deleted before it', () => {
    const delta = remoteDelta('Fièvre et toux', (t) => t.delete(0, 10));
    expect(transformCaret(14, delta)).toBe(4);
  });

  it('puts the caret at the start of a deleted range that contained it', () => {
    const delta = remoteDelta('abcdefgh', (t) => t.delete(2, 4));
    expect(transformCaret(4, delta)).toBe(2);
    expect(transformCaret(7, delta)).toBe(3);
  });

  it('text inserted exactly at the caret goes after it by default, before it with assoc >= 0', () => {
    const delta = remoteDelta('abc', (t) => t.insert(1, 'XY'));
    expect(transformCaret(1, delta)).toBe(1);
    expect(transformCaret(1, delta, 1)).toBe(3);
  });

  it('follows a delta with several operations (replace before, insert after)', () => {
    const delta = remoteDelta('0123456789', (t) =>
      t.doc!.transact(() => {
        t.delete(1, 2); // 0 3456789
        t.insert(1, 'ABCDE'); // 0ABCDE3456789
        t.insert(13, '!'); // after the caret
      }),
    );
    // caret before «5» (index 5) → still before «5»: 5 - 2 + 5 = 8
    expect(transformCaret(5, delta)).toBe(8);
  });

  it('counts an embed as one character', () => {
    expect(transformCaret(3, [{ insert: { image: 'x' } }])).toBe(4);
  });

  it('leaves the caret alone for an empty delta', () => {
    expect(transformCaret(7, [])).toBe(7);
  });
});

describe('diffText — local input becomes the smallest change', () => {
  it('finds a typed character in the middle', () => {
    expect(diffText('Toux', 'Toux sèche'.slice(0, 5), 5)).toEqual({ index: 4, remove: 0, insert: ' ' });
    expect(diffText('abef', 'abcdef', 4)).toEqual({ index: 2, remove: 0, insert: 'cd' });
  });

  it('uses the caret to place a character typed inside a run of the same character', () => {
    expect(diffText('aa', 'aaa', 1)).toEqual({ index: 0, remove: 0, insert: 'a' });
    expect(diffText('aa', 'aaa', 2)).toEqual({ index: 1, remove: 0, insert: 'a' });
    expect(diffText('aa', 'aaa', 3)).toEqual({ index: 2, remove: 0, insert: 'a' });
  });

  it('finds a deletion and a replacement', () => {
    expect(diffText('abcdef', 'abef', 2)).toEqual({ index: 2, remove: 2, insert: '' });
    // both end in «e»: it is kept
    expect(diffText('Toux grasse', 'Toux sèche', 10)).toEqual({ index: 5, remove: 5, insert: 'sèch' });
  });

  it('falls back to the minimal change when the caret hint does not fit', () => {
    expect(diffText('abcdef', 'abXcdef', 7)).toEqual({ index: 2, remove: 0, insert: 'X' });
  });

  it('never cuts an emoji in half', () => {
    const change = diffText('a😀b', 'a😁b', 3);
    expect(change).toEqual({ index: 1, remove: 2, insert: '😁' });
  });

  it('applied to a Y.Text, reproduces the new value in one transaction', () => {
    const doc = new Y.Doc();
    const ytext = doc.getText('t');
    ytext.insert(0, 'Antécédents : HTA');
    let transactions = 0;
    doc.on('afterTransaction', () => transactions++);
    const after = 'Antécédents : HTA, diabète de type 2';
    applyChange(ytext, diffText(ytext.toString(), after, after.length), 'local');
    expect(ytext.toString()).toBe(after);
    expect(transactions).toBe(1);
  });
});
