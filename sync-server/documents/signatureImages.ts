/** Each professional's signature image (SPEC §7.1.3 «Charger une signature»): a blob and its type. */
import type { Database } from 'lmdb';
import type { SignatureImages } from '../store/contract.ts';

export interface SignatureImageRecord {
  userId: string;
  sha256: string;
  mimeType: 'image/png' | 'image/jpeg';
  size: number;
  uploadedAt: string;
}

export class SignatureImageStore implements SignatureImages {
  constructor(private readonly db: Database<SignatureImageRecord, string>) {}

  async get(userId: string): Promise<SignatureImageRecord | undefined> {
    return this.db.get(userId);
  }

  async put(record: SignatureImageRecord): Promise<void> {
    await this.db.put(record.userId, record);
  }

  async remove(userId: string): Promise<void> {
    await this.db.remove(userId);
  }
}
