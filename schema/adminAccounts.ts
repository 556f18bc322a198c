/** What the «Comptes» page (establishment administrators) and its routes exchange. */

export interface AccountRow {
  id: string;
  identifier: string;
  displayName: string;
  profession: string;
  specialty: string | null;
  rpps: string | null;
  email: string | null;
  mobile: string | null;
  /** The account's role in the establishments the reader administers. */
  role: 'professional' | 'admin';
  establishmentIds: string[];
  /**
   * Names of the account's other establishments, those the reader does not administer: while
   * there is one, a new password or an unlock is for an administrator of that establishment.
   */
  sharedWith: string[];
  /** Too many failed logins: every login is refused until the lock ends or is lifted. */
  locked: boolean;
  createdAt: string;
}

export interface AccountsResponse {
  accounts: AccountRow[];
  /** The establishments the reader administers, where a new account may be created. */
  establishments: { id: string; name: string }[];
}

export interface NewAccountRequest {
  identifier: string;
  displayName: string;
  profession: string;
  establishmentId: string;
  rpps?: string;
  specialty?: string;
  email?: string;
  mobile?: string;
  role?: 'professional' | 'admin';
}

/** A provisional password is shown once, to the administrator who made it. */
export interface ProvisionalPasswordResponse {
  account: AccountRow;
  password: string;
}
