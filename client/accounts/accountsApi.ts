/** REST calls of the «accounts» area: strong authentication, account security, audit log, accounts (administrators). */
import type { SessionResponse } from '../../schema/api.ts';
import type { AccountSecurity, ChallengeRequest, ChallengeResponse, CodeRequest, TotpEnrolment } from '../../schema/auth.ts';
import type { AccountRow, AccountsResponse, NewAccountRequest, ProvisionalPasswordResponse } from '../../schema/adminAccounts.ts';
import { request } from '../api.ts';

export interface AuditRow {
  at: string;
  type: string;
  actorId: string | null;
  actorName: string | null;
  identifier?: string;
  method?: string;
  consultationId?: string;
  patientId?: string;
  detail?: string;
}

export interface AuditResponse {
  events: AuditRow[];
  people: { id: string; displayName: string }[];
}

export const accountsApi = {
  challenge: (body: ChallengeRequest) => request<ChallengeResponse>('POST', '/api/session/challenge', body),
  code: (body: CodeRequest) => request<SessionResponse>('POST', '/api/session/code', body),
  security: () => request<AccountSecurity>('GET', '/api/account/security'),
  startTotp: () => request<TotpEnrolment>('POST', '/api/account/totp', {}),
  confirmTotp: (code: string) => request<{ totpEnrolled: boolean }>('POST', '/api/account/totp/confirm', { code }),
  removeTotp: () => request<void>('DELETE', '/api/account/totp'),
  changePassword: (current: string, next: string) => request<{ changed: boolean }>('POST', '/api/account/password', { current, next }),
  logoutEverywhere: () => request<void>('DELETE', '/api/sessions'),
  accounts: () => request<AccountsResponse>('GET', '/api/admin/accounts'),
  createAccount: (body: NewAccountRequest) => request<ProvisionalPasswordResponse>('POST', '/api/admin/accounts', body),
  resetPassword: (id: string) => request<ProvisionalPasswordResponse>('POST', `/api/admin/accounts/${encodeURIComponent(id)}/password`, {}),
  unlockAccount: (id: string) => request<{ account: AccountRow }>('POST', `/api/admin/accounts/${encodeURIComponent(id)}/unlock`, {}),
  audit: (filters: Record<string, string>) => request<AuditResponse>('GET', `/api/audit?${new URLSearchParams(filters).toString()}`),
};
