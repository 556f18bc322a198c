/**
 * Who holds each open sync socket, so that a change of rights reaches the sockets already open
 * (SPEC §9): a professional removed from a consultation, or a user logged out everywhere, loses
 * their open documents at once instead of at the next reconnect. The room logic stays free of
 * accounts: it is asked to close the sockets this module names.
 */
import type { RoomRegistry } from './RoomRegistry.ts';
import type { SyncSocket } from './socket.ts';
import type { Access, Room } from './Room.ts';
import { CloseCode } from './closeCodes.ts';

export type AccessCheck = (principal: string, docName: string) => Promise<Access | null>;

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
      // The policy reads the store (asynchronously): asked once per principal, then the sockets closed.
      const verdicts = new Map<string, Access | null>();
      for (const principal of this.ownersIn(room, (owner) => owner.principal)) verdicts.set(principal, await this.check(principal, docName));
      this.registry.get(docName)?.revoke(
        (socket) => {
          const owner = this.owners.get(socket);
          // A socket opened while the policy was asked was admitted under the rights of now.
          if (!owner || !verdicts.has(owner.principal)) return false;
          const now = verdicts.get(owner.principal);
          // Write access reduced to read: the socket reconnects and is admitted read-only.
          return now === null || (owner.access === 'write' && now === 'read');
        },
        CloseCode.Forbidden,
        'access revoked',
      );
    }
  }

  /** Closes the sockets opened with one session (logged out on one station). */
  closeSession(sessionKey: string): void {
    this.closeWhere((owner) => owner.sessionKey === sessionKey);
  }

  /** Closes the sockets whose session has ended since they opened (idle or absolute limit). */
  async closeEndedSessions(isLive: (sessionKey: string) => Promise<boolean>): Promise<void> {
    const keys = new Set<string>();
    this.registry.forEach((room) => {
      for (const key of this.ownersIn(room, (owner) => owner.sessionKey)) if (key !== null) keys.add(key);
    });
    const ended = new Set<string>();
    for (const key of keys) if (!(await isLive(key))) ended.add(key);
    if (ended.size > 0) this.closeWhere((owner) => owner.sessionKey !== null && ended.has(owner.sessionKey));
  }

  /** Closes every socket a principal holds (their sessions ended). */
  closeAllOf(principal: string): void {
    this.closeWhere((owner) => owner.principal === principal);
  }

  /** What `pick` gives of the owner of each tracked socket in a room, without duplicates. */
  private ownersIn<T>(room: Room, pick: (owner: Owner) => T): Set<T> {
    const out = new Set<T>();
    // A predicate that closes nothing: the room's way to list its sockets.
    room.revoke(
      (socket) => {
        const owner = this.owners.get(socket);
        if (owner) out.add(pick(owner));
        return false;
      },
      CloseCode.Forbidden,
      '',
    );
    return out;
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
