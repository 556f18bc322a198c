/**
 * «Prendre une photo» (SPEC §7.2): one frame of a tile's video at the resolution it arrives in,
 * as a JPEG, into the télédossier through the documents upload (issue «télédossier»), where it is
 * listed with the dossier's documents and photos.
 */
import { apiCall } from '../apiCall.ts';
import { formatParisDateTime } from '../format.ts';
import { t } from '../i18n/index.ts';

export type PhotoResult = { ok: true; name: string } | { ok: false; message: string };

export function frameOf(video: HTMLVideoElement): Promise<Blob | null> {
  const canvas = Object.assign(document.createElement('canvas'), { width: video.videoWidth, height: video.videoHeight });
  const ctx = canvas.getContext('2d');
  if (!ctx) return Promise.resolve(null);
  ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.92));
}

export async function capturePhoto(consultationId: string, video: HTMLVideoElement, who: string): Promise<PhotoResult> {
  const blob = await frameOf(video);
  if (!blob) return { ok: false, message: t('room.photo.noVideo') };
  const name = `${t('room.photo.name', { who, when: formatParisDateTime(new Date().toISOString()) }).replace(/[/:]/g, '-')}.jpg`;
  const result = await apiCall('documentUpload', { params: { consultationId }, query: { name }, body: blob });
  if (result.ok) return { ok: true, name };
  return { ok: false, message: result.kind === 'network' ? t('login.error.network') : (result.message ?? String(result.status)) };
}
