/**
 * The documents' REST calls (SPEC §7.1.2–§7.1.4), through the contract (client/apiCall.ts).
 * Uploads go through XMLHttpRequest, the one browser API that reports upload progress, to the
 * URL the contract gives.
 */
import type { DocumentEntry } from '../../schema/dossier.ts';
import type { ResponseOf } from '../../schema/routes.ts';
import { apiCall, apiUrl, failure, networkFailure, type ApiResult } from '../apiCall.ts';

export type { VaultLinkSummary } from '../../schema/api.ts';

export type Outcome<T> = ApiResult<T>;

export interface Upload {
  /** Fraction sent, 0 to 1. */
  onProgress(listener: (fraction: number) => void): void;
  result: Promise<Outcome<{ document: DocumentEntry }>>;
  cancel(): void;
}

export const documentUrl = (consultationId: string, documentId: string, inline = false): string =>
  apiUrl('document', { params: { consultationId, documentId }, query: inline ? { inline: '1' } : {} });

export const draftPdfUrl = (consultationId: string): string => apiUrl('fichePdf', { params: { consultationId } });

/** An upload to a route whose body is BINARY in the contract, with its progress. */
function sendFile<T>(url: string, method: 'POST' | 'PUT', file: Blob): { onProgress(listener: (fraction: number) => void): void; result: Promise<Outcome<T>>; cancel(): void } {
  const xhr = new XMLHttpRequest();
  const listeners: ((fraction: number) => void)[] = [];
  xhr.upload.addEventListener('progress', (e) => {
    if (!e.lengthComputable) return;
    for (const l of listeners) l(e.loaded / e.total);
  });
  const result = new Promise<Outcome<T>>((resolve) => {
    xhr.addEventListener('load', () => {
      let json: unknown;
      try {
        json = JSON.parse(xhr.responseText);
      } catch {
        json = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve({ ok: true, value: json as T });
      else resolve(failure(xhr.status, json));
    });
    xhr.addEventListener('error', () => resolve(networkFailure));
    // Cancelled by the person: told apart from a failure by its status.
    xhr.addEventListener('abort', () => resolve(failure(-1, null)));
  });
  xhr.open(method, url);
  xhr.setRequestHeader('Content-Type', 'application/octet-stream');
  xhr.send(file);
  return { onProgress: (l) => listeners.push(l), result, cancel: () => xhr.abort() };
}

export const documentsApi = {
  upload: (consultationId: string, file: File): Upload =>
    sendFile(apiUrl('documentUpload', { params: { consultationId }, query: { name: file.name } }), 'POST', file),
  sign: (consultationId: string) => apiCall('ficheSign', { params: { consultationId } }),
  stamp: (consultationId: string, documentId: string) => apiCall('documentStamp', { params: { consultationId, documentId } }),
  toPdf: (consultationId: string, documentId: string) => apiCall('documentToPdf', { params: { consultationId, documentId } }),
  signatureImageUrl: apiUrl('signature'),
  uploadSignature: (file: File) => sendFile<ResponseOf<'signatureUpload'>>(apiUrl('signatureUpload'), 'PUT', file),
  hasSignature: async (): Promise<boolean | null> => {
    const result = await apiCall('signature');
    return result.ok ? true : result.status === 404 ? false : null;
  },
  deleteSignature: () => apiCall('signatureDelete'),
  sendToVault: (consultationId: string, documentId: string, recipients: string[]) =>
    apiCall('vaultCreate', { params: { consultationId, documentId }, body: { recipients } }),
  vaultLinks: (consultationId: string) => apiCall('vaultLinks', { params: { consultationId } }),
  revokeVaultLink: (consultationId: string, linkId: string) => apiCall('vaultRevoke', { params: { consultationId, linkId } }),
  sendSecureMessage: (consultationId: string, documentId: string, rpps: string) =>
    apiCall('secureMessaging', { params: { consultationId, documentId }, body: { rpps } }),
  exportUrl: (consultationId: string): string => apiUrl('dossierExport', { params: { consultationId } }),
};
