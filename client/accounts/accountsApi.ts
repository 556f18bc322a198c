/** REST calls of the «accounts» area: strong authentication, account security, audit log, accounts (administrators). */
import type { ChallengeRequest, CodeRequest } from '../../schema/auth.ts';
import type { NewAccountRequest } from '../../schema/adminAccounts.ts';
import { apiCall } from '../apiCall.ts';

export type { AuditRow, AuditResponse } from '../../schema/api.ts';

export const accountsApi = {
  challenge: (body: ChallengeRequest) => apiCall('loginChallenge', { body }),
  code: (body: CodeRequest) => apiCall('loginCode', { body }),
  security: () => apiCall('accountSecurity'),
  startTotp: () => apiCall('totpStart'),
  confirmTotp: (code: string) => apiCall('totpConfirm', { body: { code } }),
  removeTotp: () => apiCall('totpRemove'),
  changePassword: (current: string, next: string) => apiCall('passwordChange', { body: { current, next } }),
  logoutEverywhere: () => apiCall('logoutEverywhere'),
  accounts: () => apiCall('accounts'),
  createAccount: (body: NewAccountRequest) => apiCall('accountCreate', { body }),
  resetPassword: (id: string) => apiCall('accountPassword', { params: { accountId: id } }),
  unlockAccount: (id: string) => apiCall('accountUnlock', { params: { accountId: id } }),
  audit: (filters: { person?: string; patient?: string; from?: string; to?: string }) => apiCall('auditLog', { query: filters }),
};
