/**
 * The documents' REST calls (SPEC §7.1.2–§7.1.4). Uploads go through XMLHttpRequest, the one
 * browser API that reports upload progress; everything else through fetch.
 */
import type { DocumentEntry, FicheSignature } from '../../schema/dossier.ts';

export type Outcome<T> = { ok: true; value: T } | { ok: false; status: number; message: string | null };

export interface Upload {
  /** Fraction sent, 0 to 1. */
  onProgress(listener: (fraction: number) => void): void;
  result: Promise<Outcome<{ document: DocumentEntry }>>;
  cancel(): void;
}

const base = (consultationId: string): string => `/api/consultations/${encodeURIComponent(consultationId)}`;

export const documentUrl = (consultationId: string, documentId: string, inline = false): string =>
  `${base(consultationId)}/documents/${encodeURIComponent(documentId)}${inline ? '?inline=1' : ''}`;

export const draftPdfUrl = (consultationId: string): string => `${base(consultationId)}/fiche.pdf`;

function sendFile(method: string, url: string, file: Blob): Upload {
  const xhr = new XMLHttpRequest();
  const listeners: ((fraction: number) => void)[] = [];
  xhr.upload.addEventListener('progress', (e) => {
    if (!e.lengthComputable) return;
    for (const l of listeners) l(e.loaded / e.total);
  });
  const result = new Promise<Outcome<{ document: DocumentEntry }>>((resolve) => {
    xhr.addEventListener('load', () => {
      let json: unknown;
      try {
        json = JSON.parse(xhr.responseText);
      } catch {
        json = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve({ ok: true, value: json as { document: DocumentEntry } });
      else resolve({ ok: false, status: xhr.status, message: messageOf(json) });
    });
    xhr.addEventListener('error', () => resolve({ ok: false, status: 0, message: null }));
    xhr.addEventListener('abort', () => resolve({ ok: false, status: -1, message: null }));
  });
  xhr.open(method, url);
  xhr.setRequestHeader('Content-Type', 'application/octet-stream');
  xhr.send(file);
  return { onProgress: (l) => listeners.push(l), result, cancel: () => xhr.abort() };
}

function messageOf(json: unknown): string | null {
  return json !== null && typeof json === 'object' && typeof (json as { message?: unknown }).message === 'string'
    ? (json as { message: string }).message
    : null;
}

async function call<T>(method: string, url: string, body?: unknown): Promise<Outcome<T>> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch {
    return { ok: false, status: 0, message: null };
  }
  if (res.status === 204) return { ok: true, value: undefined as T };
  const json: unknown = await res.json().catch(() => null);
  return res.ok ? { ok: true, value: json as T } : { ok: false, status: res.status, message: messageOf(json) };
}

export const documentsApi = {
  upload: (consultationId: string, file: File): Upload =>
    sendFile('POST', `${base(consultationId)}/documents?name=${encodeURIComponent(file.name)}`, file),
  sign: (consultationId: string) =>
    call<{ signature: FicheSignature; document: DocumentEntry }>('POST', `${base(consultationId)}/fiche/signatures`),
  stamp: (consultationId: string, documentId: string) =>
    call<{ document: DocumentEntry }>('POST', `${base(consultationId)}/documents/${encodeURIComponent(documentId)}/stamp`),
  toPdf: (consultationId: string, documentId: string) =>
    call<{ document: DocumentEntry }>('POST', `${base(consultationId)}/documents/${encodeURIComponent(documentId)}/pdf`),
  signatureImageUrl: '/api/me/signature',
  uploadSignature: (file: File): Upload => sendFile('PUT', '/api/me/signature', file),
  hasSignature: async (): Promise<boolean | null> => {
    try {
      const res = await fetch('/api/me/signature', { method: 'GET', credentials: 'same-origin' });
      return res.ok ? true : res.status === 404 ? false : null;
    } catch {
      return null;
    }
  },
  deleteSignature: () => call<void>('DELETE', '/api/me/signature'),
  sendToVault: (consultationId: string, documentId: string, recipients: string[]) =>
    call<{ links: VaultLinkSummary[] }>('POST', `${base(consultationId)}/documents/${encodeURIComponent(documentId)}/vault`, { recipients }),
  vaultLinks: (consultationId: string) => call<{ links: VaultLinkSummary[] }>('GET', `${base(consultationId)}/vault-links`),
  revokeVaultLink: (consultationId: string, linkId: string) =>
    call<void>('DELETE', `${base(consultationId)}/vault-links/${encodeURIComponent(linkId)}`),
  /** `rpps`: the directory entry chosen; the server takes its MSSanté address from the directory. */
  sendSecureMessage: (consultationId: string, documentId: string, rpps: string) =>
    call<{ sent: true }>('POST', `${base(consultationId)}/documents/${encodeURIComponent(documentId)}/secure-messaging`, { rpps }),
  exportUrl: (consultationId: string): string => `${base(consultationId)}/export.zip`,
};

export interface VaultLinkSummary {
  id: string;
  documentId: string;
  documentName: string;
  recipientEmail: string;
  createdAt: string;
  expiresAt: string;
  state: 'open' | 'expired' | 'revoked' | 'locked';
  downloads: number;
}
