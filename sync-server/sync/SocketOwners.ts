/**
 * Who holds each open sync socket, so that a change of rights reaches the sockets already open
 * (SPEC §9): a professional removed from a consultation, or a user logged out everywhere, loses
 * their open documents at once instead of at the next reconnect. The room logic stays free of
 * accounts: it is asked to close the sockets this module names.
 */
import type { RoomRegistry } from './RoomRegistry.ts';
import type { SyncSocket } from './socket.ts';
import type { Access } from './Room.ts';
import { CloseCode } from './closeCodes.ts';

export type AccessCheck = (principal: string, docName: string) => Access | null | Promise<Access | null>;

interface Owner {
  principal: string;
  access: Access;
  /** The login session the socket was opened with; null for a guest's invitation. */
  sessionKey: string | null;
}

export class SocketOwners {
  private readonly owners = new WeakMap<SyncSocket, Owner>();

  constructor(
    private readonly registry: RoomRegistry,
    private readonly check: AccessCheck,
  ) {}

  /** `sessionKey`: the login session the socket was opened with (null for a guest's invitation). */
  track(socket: SyncSocket, principal: string, access: Access, sessionKey: string | null = null): void {
    this.owners.set(socket, { principal, access, sessionKey });
  }

  /** Re-asks the access policy for every socket open on these documents; closes those refused. */
  async recheck(docNames: string[]): Promise<void> {
    for (const docName of docNames) {
      const room = this.registry.get(docName);
      if (!room) continue;
      const refused = new Set<SyncSocket>();
      for (const socket of room.sockets()) {
        const owner = this.owners.get(socket);
        if (!owner) continue;
        const now = await this.check(owner.principal, docName);
        // Write access reduced to read: the socket reconnects and is admitted read-only.
        if (now === null || (owner.access === 'write' && now === 'read')) refused.add(socket);
      }
      // The room may have been dropped and loaded again meanwhile: its sockets are looked up anew.
      this.registry.get(docName)?.revoke((socket) => refused.has(socket), CloseCode.Forbidden, 'access revoked');
    }
  }

  /** Closes the sockets opened with one session (logged out on one station). */
  closeSession(sessionKey: string): void {
    this.closeWhere((owner) => owner.sessionKey === sessionKey);
  }

  /** Closes the sockets whose session has ended since they opened (idle or absolute limit). */
  closeEndedSessions(isLive: (sessionKey: string) => boolean): void {
    this.closeWhere((owner) => owner.sessionKey !== null && !isLive(owner.sessionKey));
  }

  /** Closes every socket a principal holds (their sessions ended). */
  closeAllOf(principal: string): void {
    this.closeWhere((owner) => owner.principal === principal);
  }

  /** Closes, as «session ended», every tracked socket whose owner matches. */
  private closeWhere(matches: (owner: Owner) => boolean): void {
    this.registry.forEach((room) =>
      room.revoke(
        (socket) => {
          const owner = this.owners.get(socket);
          return owner !== undefined && matches(owner);
        },
        CloseCode.Unauthorized,
        'session ended',
      ),
    );
  }
}
