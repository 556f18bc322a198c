/** Every REST route, in one list: one file per resource, one line here each. */
import type { Route } from './context.ts';
import { healthRoutes } from './health.ts';
import { sessionRoutes } from './session.ts';
import { consultationRoutes } from './consultations.ts';
import { patientRoutes } from './patients.ts';
import { directoryRoutes } from './directory.ts';
import { invitationRoutes } from './invitations.ts';
import { documentRoutes } from './documents.ts';
import { ficheRoutes } from './fiche.ts';
import { signatureRoutes } from './signature.ts';
import { vaultRoutes } from './vault.ts';
import { secureMessagingRoutes } from './secureMessaging.ts';
import { dossierExportRoutes } from './dossierExport.ts';
import { devOutboxRoutes } from './devOutbox.ts';
import { strongAuthRoutes } from './strongAuth.ts';
import { accountRoutes } from './account.ts';
import { pscRoutes } from './psc.ts';
import { auditRoutes } from './auditLog.ts';
import { adminAccountRoutes } from './adminAccounts.ts';
import { peerTicketRoutes } from './peerTickets.ts';
import { roomDocumentRoutes } from './roomDocuments.ts';
import { callInvitationRoutes } from './callInvitations.ts';

export const routes: Route[] = [...healthRoutes, ...sessionRoutes, ...strongAuthRoutes, ...accountRoutes, ...pscRoutes, ...auditRoutes, ...adminAccountRoutes, ...consultationRoutes, ...patientRoutes, ...directoryRoutes, ...invitationRoutes, ...devOutboxRoutes, ...peerTicketRoutes, ...roomDocumentRoutes, ...callInvitationRoutes, ...documentRoutes, ...ficheRoutes, ...signatureRoutes, ...vaultRoutes, ...secureMessagingRoutes, ...dossierExportRoutes];
