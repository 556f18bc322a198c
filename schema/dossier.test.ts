import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { FICHE_FIELDS, Teledossier, dossierDocName, ficheVersionHash, isFicheField, newDossierUpdate } from './dossier.ts';

describe('§7.1.2 télédossier layout', () => {
  it('a new dossier has every fiche field as an empty Y.Text and its meta', () => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, newDossierUpdate({ consultationId: 'c1', createdAt: '2026-11-25T10:00:00.000Z' }));
    const dossier = new Teledossier(doc);
    expect(dossier.isInitialised).toBe(true);
    expect(dossier.meta()).toEqual({ consultationId: 'c1', createdAt: '2026-11-25T10:00:00.000Z', layoutVersion: 1 });
    for (const name of FICHE_FIELDS) expect(dossier.field(name)?.toString()).toBe('');
    expect(Object.keys(dossier.ficheText())).toEqual([...FICHE_FIELDS]);
  });

  it('a client copy that has not synced yet has no fields and is not initialised', () => {
    const dossier = new Teledossier(new Y.Doc());
    expect(dossier.isInitialised).toBe(false);
    expect(dossier.field('motif')).toBeUndefined();
    expect(dossier.ficheText().motif).toBe('');
    expect(dossier.meta()).toBeNull();
  });

  it('initialise is idempotent and keeps what was typed', () => {
    const doc = new Y.Doc();
    const dossier = new Teledossier(doc);
    dossier.initialise({ consultationId: 'c1', createdAt: 't' });
    dossier.field('motif')!.insert(0, 'Plaie');
    dossier.initialise({ consultationId: 'c1', createdAt: 't' });
    expect(dossier.field('motif')!.toString()).toBe('Plaie');
  });

  it('two clients starting from the server state converge on concurrent typing in one field', () => {
    const initial = newDossierUpdate({ consultationId: 'c1', createdAt: 't' });
    const a = new Y.Doc();
    const b = new Y.Doc();
    Y.applyUpdate(a, initial);
    Y.applyUpdate(b, initial);
    new Teledossier(a).field('conclusion')!.insert(0, 'Dr A. ');
    new Teledossier(b).field('conclusion')!.insert(0, 'IDE B. ');
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    const text = new Teledossier(a).ficheText().conclusion;
    expect(text).toContain('Dr A. ');
    expect(text).toContain('IDE B. ');
    expect(new Teledossier(b).ficheText().conclusion).toBe(text);
  });

  it('names documents and recognises fields', () => {
    expect(dossierDocName('abc')).toBe('dossier/abc');
    expect(isFicheField('motif')).toBe(true);
    expect(isFicheField('toString')).toBe(false);
  });

  it('documents and signatures collections start empty', () => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, newDossierUpdate({ consultationId: 'c1', createdAt: 't' }));
    const dossier = new Teledossier(doc);
    expect(dossier.documentList()).toEqual([]);
    expect(dossier.signatures.length).toBe(0);
    expect(dossier.photos.length).toBe(0);
  });
});

describe('§7.1.2 signature state of the fiche', () => {
  it('unsigned, then signed, then «modifiée après signature» after an edit, signed again after a new signature', () => {
    const doc = new Y.Doc();
    const dossier = new Teledossier(doc);
    dossier.initialise({ consultationId: 'c1', createdAt: 't' });
    expect(dossier.signatureState()).toBe('unsigned');
    dossier.field('motif')!.insert(0, 'Plaie');
    const sign = () =>
      dossier.addSignature({
        versionHash: ficheVersionHash(dossier.ficheText()),
        signedBy: 'u1',
        signerName: 'Dr A',
        rpps: null,
        signedAt: 't',
        documentId: null,
      });
    sign();
    expect(dossier.signatureState()).toBe('signed');
    dossier.field('conclusion')!.insert(0, 'x');
    expect(dossier.signatureState()).toBe('modifiedAfterSignature');
    sign();
    expect(dossier.signatureState()).toBe('signed');
  });

  it('the version hash depends on which field holds the text, not only on the text', () => {
    const fields = Object.fromEntries(FICHE_FIELDS.map((f) => [f, ''])) as Record<(typeof FICHE_FIELDS)[number], string>;
    const a = ficheVersionHash({ ...fields, motif: 'ab' });
    const b = ficheVersionHash({ ...fields, antecedents: 'ab' });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
  });
});
