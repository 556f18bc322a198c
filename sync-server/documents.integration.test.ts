/**
 * The télédossier's documents through the real server (uWS + LMDB + blob store), as the browser
 * uses them (SPEC §7.1.2, §7.1.3, §9).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { PDFDocument } from 'pdf-lib';
import { Teledossier, dossierDocName, type DocumentEntry } from '../schema/dossier.ts';
import { createConsultation, createUser } from '../scripts/demo.ts';
import { login, startRelais, synced, waitFor, yClient, type Running, type YClient } from './testing/harness.ts';
import { png, samplePdf, signaturePng } from './testing/images.ts';
import { pdfImageCounts, pdfPageTexts } from './testing/pdfText.ts';

let relais: Running | null = null;
const clients: YClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await relais?.stop();
  relais = null;
});

const cookie = (token: string) => ({ cookie: `relais_session=${token}` });

async function upload(token: string, consultationId: string, name: string, body: Buffer) {
  const res = await fetch(`${relais!.http}/api/consultations/${consultationId}/documents?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { ...cookie(token), 'Content-Type': 'application/octet-stream' },
    body: new Uint8Array(body),
  });
  return { status: res.status, json: (await res.json()) as { document?: DocumentEntry; message?: string } };
}

function storedBlobs(): string[] {
  const root = join(relais!.dataDir, 'blobs');
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name);
}


describe('§7.1.3 «Ajouter un document»', () => {
  it('an uploaded PDF is stored encrypted, listed live in the dossier, and downloads identical', async () => {
    relais = await startRelais();
    const id = relais.demo.consultations[0]!.id;
    const token = await login(relais.http, 'dr.demo');
    const live = yClient(relais.ws, dossierDocName(id), await login(relais.http, 'ide.demo'));
    clients.push(live);
    await waitFor(() => synced(live));
    const pdf = await samplePdf(2);
    const { status, json } = await upload(token, id, 'Ordonnance pansements.pdf', pdf);
    expect(status).toBe(201);
    expect(json.document).toMatchObject({ name: 'Ordonnance pansements.pdf', mimeType: 'application/pdf', size: pdf.byteLength, addedByName: 'Dr Claire Martin' });
    // The other professional sees it appear without reloading.
    await waitFor(() => new Teledossier(live.doc).documentList().length === 1, 5000, 'document listed live');
    const download = await fetch(`${relais.http}/api/consultations/${id}/documents/${json.document!.id}`, { headers: cookie(token) });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(download.headers.get('content-disposition')).toContain("filename*=UTF-8''Ordonnance%20pansements.pdf");
    expect(Buffer.from(await download.arrayBuffer()).equals(pdf)).toBe(true);
  });

  it('§9 a file of 30 MB is refused and nothing is stored', async () => {
    relais = await startRelais();
    const id = relais.demo.consultations[0]!.id;
    const token = await login(relais.http, 'dr.demo');
    const big = Buffer.alloc(30 * 1024 * 1024, 0x20);
    big.write('%PDF-1.7\n', 0, 'latin1');
    const { status, json } = await upload(token, id, 'gros.pdf', big);
    expect(status).toBe(413);
    expect(json.message).toBe('Le fichier dépasse la taille maximale autorisée (25 Mo).');
    expect(storedBlobs()).toEqual([]);
  });

  it('§9 the size limit holds while streaming, even when the request does not announce its length', async () => {
    relais = await startRelais({ config: {} });
    const id = relais.demo.consultations[0]!.id;
    const token = await login(relais.http, 'dr.demo');
    const { port } = new URL(relais.http);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, method: 'POST', path: `/api/consultations/${id}/documents?name=x.pdf`, headers: { ...cookie(token), 'Transfer-Encoding': 'chunked' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      chunk.write('%PDF-1.7\n', 0, 'latin1');
      let sent = 0;
      const pump = (): void => {
        while (sent < 27) {
          sent++;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(status).toBe(413);
    await new Promise((r) => setTimeout(r, 100));
    expect(storedBlobs()).toEqual([]);
  });

  it('§9 an upload killed half-way leaves no file behind', async () => {
    relais = await startRelais();
    const id = relais.demo.consultations[0]!.id;
    const token = await login(relais.http, 'dr.demo');
    const { port } = new URL(relais.http);
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: `/api/consultations/${id}/documents?name=x.pdf`,
      headers: { ...cookie(token), 'Content-Length': String(10 * 1024 * 1024) },
    });
    req.on('error', () => undefined);
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    chunk.write('%PDF-1.7\n', 0, 'latin1');
    for (let i = 0; i < 4; i++) req.write(chunk);
    // Wait until the server has started writing the temp file, then kill the connection.
    const tmp = join(relais.dataDir, 'blobs', 'tmp');
    await waitFor(() => readdirSync(tmp).length > 0, 5000, 'upload started');
    req.destroy();
    await waitFor(() => readdirSync(tmp).length === 0, 5000, 'temp file removed');
    expect(storedBlobs()).toEqual([]);
  });

  it('§9 the type comes from the bytes: a .pdf that is a PNG is a PNG, an .exe renamed .pdf is refused', async () => {
    relais = await startRelais();
    const id = relais.demo.consultations[0]!.id;
    const token = await login(relais.http, 'dr.demo');
    const image = png(20, 20, () => [10, 200, 10]);
    const asPng = await upload(token, id, 'radio.pdf', image);
    expect(asPng.status).toBe(201);
    expect(asPng.json.document).toMatchObject({ mimeType: 'image/png', name: 'radio.png' });

    const before = storedBlobs().length;
    const exe = Buffer.concat([Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), Buffer.alloc(4096)]);
    const refused = await upload(token, id, 'ordonnance.pdf', exe);
    expect(refused.status).toBe(415);
    expect(refused.json.message).toBe('Ce type de fichier n’est pas accepté. Formats acceptés : PDF, PNG et JPEG.');
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypheic', 'latin1'), Buffer.alloc(100)]);
    const heicRefused = await upload(token, id, 'IMG_0001.HEIC', heic);
    expect(heicRefused.status).toBe(415);
    expect(heicRefused.json.message).toContain('HEIC');
    expect(storedBlobs().length).toBe(before);
  });

  it('§9 a professional who is not a participant gets nothing, and cannot tell the dossier exists', async () => {
    relais = await startRelais();
    const id = relais.demo.consultations[0]!.id;
    const token = await login(relais.http, 'dr.demo');
    const { json } = await upload(token, id, 'a.pdf', await samplePdf(1));
    await createUser(relais.store, { identifier: 'autre.demo', displayName: 'Dr Autre', profession: 'Médecin', color: '#000000', establishmentIds: [relais.demo.establishmentId] }, 'relais-demo');
    const stranger = await login(relais.http, 'autre.demo');
    const refusedUpload = await upload(stranger, id, 'b.pdf', await samplePdf(1));
    expect(refusedUpload.status).toBe(404);
    for (const path of [`documents/${json.document!.id}`, 'fiche.pdf']) {
      const res = await fetch(`${relais.http}/api/consultations/${id}/${path}`, { headers: cookie(stranger) });
      expect(res.status, path).toBe(404);
    }
    const sign = await fetch(`${relais.http}/api/consultations/${id}/fiche/signatures`, { method: 'POST', headers: cookie(stranger) });
    expect(sign.status).toBe(404);
    const anonymous = await fetch(`${relais.http}/api/consultations/${id}/documents/${json.document!.id}`);
    expect(anonymous.status).toBe(401);
  });
});

describe('§7.1.2 «Signer» and «Générer le PDF»', () => {
  it('signing stores the PDF as a document, records the signature, and an edit shows «modifiée après signature»', async () => {
    relais = await startRelais();
    const id = relais.demo.consultations[0]!.id;
    const token = await login(relais.http, 'dr.demo');
    const put = await fetch(`${relais.http}/api/me/signature`, { method: 'PUT', headers: cookie(token), body: new Uint8Array(signaturePng()) });
    expect(put.status).toBe(200);
    const editor = yClient(relais.ws, dossierDocName(id), await login(relais.http, 'ide.demo'));
    clients.push(editor);
    await waitFor(() => synced(editor) && new Teledossier(editor.doc).isInitialised);
    const dossier = new Teledossier(editor.doc);
    dossier.field('antecedents')!.insert(0, 'Diabète de type 2');
    await waitFor(async () => (await relais!.store.docs.load(dossierDocName(id))).tailCount > 0, 5000, 'edit stored');
    await new Promise((r) => setTimeout(r, 100));

    const res = await fetch(`${relais.http}/api/consultations/${id}/fiche/signatures`, { method: 'POST', headers: cookie(token) });
    expect(res.status).toBe(201);
    const { document } = (await res.json()) as { document: DocumentEntry };
    await waitFor(() => dossier.signatureState() === 'signed', 5000, 'signature reaches the live copy');
    expect(dossier.lastSignature()).toMatchObject({ signerName: 'Dr Claire Martin', rpps: '10003456789', documentId: document.id });
    expect(dossier.document(document.id)).toMatchObject({ kind: 'fiche', signed: true });

    const pdf = new Uint8Array(await (await fetch(`${relais.http}/api/consultations/${id}/documents/${document.id}`, { headers: cookie(token) })).arrayBuffer());
    const text = (await pdfPageTexts(pdf)).join('\n');
    expect(text).toContain('Diabète de type 2');
    expect(text).toContain('Signé par Dr Claire Martin');
    expect(text).toContain('EHPAD Les Tilleuls (démo)');
    expect(text).toContain('Patient : Jeanne Marie DUPONT');
    const images = await pdfImageCounts(pdf);
    expect(images[images.length - 1]).toBe(1);

    dossier.field('conclusion')!.insert(0, 'Ajout après signature');
    expect(dossier.signatureState()).toBe('modifiedAfterSignature');
  });

  it('signing works when the dossier is not open anywhere (the server loads it, edits, persists)', async () => {
    relais = await startRelais();
    const id = relais.demo.consultations[1]!.id;
    const token = await login(relais.http, 'dr.demo');
    expect(relais.server.registry.get(dossierDocName(id))).toBeUndefined();
    const res = await fetch(`${relais.http}/api/consultations/${id}/fiche/signatures`, { method: 'POST', headers: cookie(token) });
    expect(res.status).toBe(201);
    await relais.restart();
    const c = yClient(relais.ws, dossierDocName(id), await login(relais.http, 'dr.demo'));
    clients.push(c);
    await waitFor(() => synced(c) && new Teledossier(c.doc).lastSignature() !== undefined, 5000, 'signature after restart');
    expect(new Teledossier(c.doc).signatureState()).toBe('signed');
  });

  it('«Générer le PDF» without signing gives a draft', async () => {
    relais = await startRelais();
    const id = relais.demo.consultations[0]!.id;
    const token = await login(relais.http, 'dr.demo');
    const res = await fetch(`${relais.http}/api/consultations/${id}/fiche.pdf`, { headers: cookie(token) });
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect((await PDFDocument.load(bytes)).getTitle()).toBe('Fiche de téléconsultation (brouillon)');
  });
});

describe('§7.1.3 signature image and «Appliquer la signature»', () => {
  it('a stamped PDF is a new document with the same pages plus the stamp; without a signature image it is refused', async () => {
    relais = await startRelais();
    const id = relais.demo.consultations[0]!.id;
    const token = await login(relais.http, 'dr.demo');
    const { json } = await upload(token, id, 'Protocole.pdf', await samplePdf(2));
    const stampUrl = `${relais.http}/api/consultations/${id}/documents/${json.document!.id}/stamp`;
    const refused = await fetch(stampUrl, { method: 'POST', headers: cookie(token) });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { message: string }).message).toContain('Charger une signature');

    const wrong = await fetch(`${relais.http}/api/me/signature`, { method: 'PUT', headers: cookie(token), body: new Uint8Array(await samplePdf(1)) });
    expect(wrong.status).toBe(415);
    expect(((await wrong.json()) as { message: string }).message).toBe('La signature doit être une image PNG ou JPEG.');
    await fetch(`${relais.http}/api/me/signature`, { method: 'PUT', headers: cookie(token), body: new Uint8Array(signaturePng()) });
    const preview = await fetch(`${relais.http}/api/me/signature`, { headers: cookie(token) });
    expect(Buffer.from(await preview.arrayBuffer()).equals(signaturePng())).toBe(true);

    const stamped = await fetch(stampUrl, { method: 'POST', headers: cookie(token) });
    expect(stamped.status).toBe(201);
    const { document } = (await stamped.json()) as { document: DocumentEntry };
    expect(document).toMatchObject({ name: 'Protocole (signé).pdf', kind: 'stamped', signed: true, derivedFrom: json.document!.id });
    const bytes = new Uint8Array(await (await fetch(`${relais.http}/api/consultations/${id}/documents/${document.id}`, { headers: cookie(token) })).arrayBuffer());
    expect(await pdfImageCounts(bytes)).toEqual([0, 1]);

    const removed = await fetch(`${relais.http}/api/me/signature`, { method: 'DELETE', headers: cookie(token) });
    expect(removed.status).toBe(204);
    expect((await fetch(`${relais.http}/api/me/signature`, { headers: cookie(token) })).status).toBe(404);
  });
});

describe('§7.3 «Exporter»', () => {
  it('the ZIP holds the signed fiche PDF, every document and an index (JSON and PDF), and unzip reads it', async () => {
    relais = await startRelais();
    const id = relais.demo.consultations[0]!.id;
    const token = await login(relais.http, 'dr.demo');
    const ordonnance = await samplePdf(1);
    await upload(token, id, 'Ordonnance été.pdf', ordonnance);
    await upload(token, id, 'Ordonnance été.pdf', await samplePdf(2));
    await fetch(`${relais.http}/api/consultations/${id}/fiche/signatures`, { method: 'POST', headers: cookie(token) });
    const res = await fetch(`${relais.http}/api/consultations/${id}/export.zip`, { headers: cookie(token) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    const dir = join(relais.dataDir, 'export-check');
    const { mkdirSync, writeFileSync, readFileSync } = await import('node:fs');
    const { execFileSync } = await import('node:child_process');
    mkdirSync(dir);
    writeFileSync(join(dir, 'x.zip'), Buffer.from(await res.arrayBuffer()));
    execFileSync('unzip', ['-q', 'x.zip'], { cwd: dir });
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { ficheState: string; documents: { file: string }[] };
    expect(index.ficheState).toBe('signed');
    expect(index.documents.map((d) => d.file)).toEqual([
      'documents/Ordonnance été.pdf',
      'documents/Ordonnance été (2).pdf',
      expect.stringMatching(/^documents\/Fiche de téléconsultation signée .*\.pdf$/),
    ]);
    expect(readFileSync(join(dir, 'documents/Ordonnance été.pdf')).equals(ordonnance)).toBe(true);
    expect((await pdfPageTexts(readFileSync(join(dir, 'fiche-signee.pdf')))).join('\n')).toContain('Signé par Dr Claire Martin');
    expect((await pdfPageTexts(readFileSync(join(dir, 'index.pdf')))).join('\n')).toContain('Export du télédossier');
    expect((await relais.store.audit.query({})).some((e) => e.type === 'document.download' && e.detail?.startsWith('export'))).toBe(true);
  });
});

describe('§9 #11 file names', () => {
  it('a name with a leading newline, path parts or a bidi override is stored, served and exported as one clean segment', async () => {
    relais = await startRelais();
    const id = relais.demo.consultations[0]!.id;
    const token = await login(relais.http, 'dr.demo');
    const escaping = await upload(token, id, '\n../../../tmp/x', await samplePdf(1));
    expect(escaping.status).toBe(201);
    expect(escaping.json.document!.name).toBe('x.pdf');
    const spoofed = await upload(token, id, '\u202Efdp.exe\r\n..\\..\\evil', await samplePdf(1));
    expect(spoofed.json.document!.name).toBe('evil.pdf');

    const download = await fetch(`${relais.http}/api/consultations/${id}/documents/${escaping.json.document!.id}`, { headers: cookie(token) });
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="x.pdf"; filename*=UTF-8''x.pdf`);

    const res = await fetch(`${relais.http}/api/consultations/${id}/export.zip`, { headers: cookie(token) });
    expect(res.status).toBe(200);
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const { execFileSync } = await import('node:child_process');
    const dir = join(relais.dataDir, 'export-names');
    mkdirSync(dir);
    writeFileSync(join(dir, 'x.zip'), Buffer.from(await res.arrayBuffer()));
    const names = execFileSync('unzip', ['-Z1', 'x.zip'], { cwd: dir, encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(names).toContain('documents/x.pdf');
    expect(names).toContain('documents/evil.pdf');
    for (const name of names) {
      expect(name).toMatch(/^(documents\/)?[^/\\]+$/);
      expect(name).not.toMatch(/[\p{Cc}\p{Cf}]/u);
      expect(name.split('/').some((part) => part.startsWith('.'))).toBe(false);
    }
  });
});

describe('§7.3 retention', () => {
  it('a dossier past its retention period is purged with its blobs, the audit says so, and it cannot come back', async () => {
    relais = await startRelais();
    const token = await login(relais.http, 'dr.demo');
    const recent = relais.demo.consultations[0]!;
    const { id: _id, createdAt: _createdAt, ...fields } = recent;
    const old = await createConsultation(relais.store, {
      ...fields,
      start: new Date(Date.now() - 91 * 86_400_000).toISOString(),
      reason: 'Ancienne consultation',
    });
    const own = await samplePdf(1, 'Seulement dans l’ancien dossier');
    const shared = await samplePdf(1, 'Dans les deux dossiers');
    const ownDoc = (await upload(token, old.id, 'a.pdf', own)).json.document!;
    await upload(token, old.id, 'b.pdf', shared);
    const keptDoc = (await upload(token, recent.id, 'b.pdf', shared)).json.document!;
    expect(storedBlobs()).toHaveLength(2);

    const purged = await relais.server.retention.purgeExpired();
    expect(purged).toEqual([{ consultationId: old.id, documents: 2, blobsDeleted: 1 }]);
    expect(await relais.store.docs.exists(dossierDocName(old.id))).toBe(false);
    expect(await relais.store.docs.exists(dossierDocName(recent.id))).toBe(true);
    // The blob held by the recent dossier too is kept; the other is gone from disk.
    expect(storedBlobs()).toHaveLength(1);
    const kept = await fetch(`${relais.http}/api/consultations/${recent.id}/documents/${keptDoc.id}`, { headers: cookie(token) });
    expect(Buffer.from(await kept.arrayBuffer()).equals(shared)).toBe(true);
    const gone = await fetch(`${relais.http}/api/consultations/${old.id}/documents/${ownDoc.id}`, { headers: cookie(token) });
    expect(gone.status).toBe(410);
    // A station's offline copy cannot rebuild it through the sync socket.
    const c = yClient(relais.ws, dossierDocName(old.id), token);
    clients.push(c);
    await new Promise((r) => setTimeout(r, 500));
    expect(synced(c)).toBe(false);
    expect(await relais.store.docs.exists(dossierDocName(old.id))).toBe(false);
    const audit = (await relais.store.audit.query({}));
    expect(audit.some((e) => e.type === 'dossier.purge' && e.consultationId === old.id && e.actorId === null)).toBe(true);
    // Nothing left to purge on the next run.
    expect(await relais.server.retention.purgeExpired()).toEqual([]);
  });
});
