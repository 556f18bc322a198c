/**
 * The session and «Mes rendez-vous» calls, through the contract (client/apiCall.ts).
 */
import type { SessionRequest } from '../schema/api.ts';
import { apiCall } from './apiCall.ts';

export type { ApiResult, ApiFailure } from './apiCall.ts';

export const api = {
  login: (credentials: SessionRequest) => apiCall('login', { body: credentials }),
  session: () => apiCall('session'),
  logout: () => apiCall('logout'),
  consultations: () => apiCall('consultations'),
  consultation: (id: string) => apiCall('consultation', { params: { consultationId: id } }),
};
