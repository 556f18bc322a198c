/**
 * Who may read or write what. Every HTTP route and every /sync/ socket asks here, and nowhere else.
 */
import type { Store } from '../store/index.ts';
import type { User } from '../store/users.ts';
import type { Consultation } from '../store/consultations.ts';
import type { Access } from '../sync/Room.ts';

export type DocKind = 'dossier' | 'room' | 'activity';

export interface DocRef {
  kind: DocKind;
  id: string;
}

const DOC_NAME = /^(dossier|room|activity)\/([A-Za-z0-9_-]{1,64})$/;

export function parseDocName(docName: string): DocRef | null {
  const match = DOC_NAME.exec(docName);
  if (!match) return null;
  return { kind: match[1] as DocKind, id: match[2] as string };
}

export class AccessPolicy {
  constructor(private readonly store: Store) {}

  canSeeConsultation(user: User, consultation: Consultation): boolean {
    return consultation.participants.includes(user.id);
  }

  /** The access a user has to a document, or null for none. */
  docAccess(user: User, ref: DocRef): Access | null {
    switch (ref.kind) {
      case 'dossier':
      case 'room': {
        const consultation = this.store.consultations.get(ref.id);
        return consultation && this.canSeeConsultation(user, consultation) ? 'write' : null;
      }
      case 'activity':
        // The activity summary is written by the server only.
        return user.establishmentIds.includes(ref.id) ? 'read' : null;
    }
  }
}
