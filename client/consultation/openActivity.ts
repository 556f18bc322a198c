/**
 * «Mes rendez-vous» live (SPEC §2): the `activity/<establishmentId>` document, opened read-only
 * (the server is its only writer; the socket's edits would be dropped anyway). The server replaces
 * it by a fresh generation now and then: client/sync/serverDoc.ts follows.
 */
import { createSignal, type Accessor } from 'solid-js';
import type * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { activityDocName, appointmentsOf, isActivityAppointment, type ActivityAppointment } from '../../schema/activity.ts';
import { followServerDoc } from '../sync/serverDoc.ts';

export interface OpenedActivity {
  appointments: Accessor<ActivityAppointment[]>;
  synced: Accessor<boolean>;
  close(): void;
}

export function openActivity(establishmentIds: string[]): OpenedActivity {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const [appointments, setAppointments] = createSignal<ActivityAppointment[]>([]);
  const [synced, setSynced] = createSignal(false);
  const refresh = () => {
    const all: ActivityAppointment[] = [];
    for (const followed of opened) for (const value of appointmentsOf(followed.doc).values()) if (isActivityAppointment(value)) all.push(value);
    setAppointments(all.sort((a, b) => a.start.localeCompare(b.start)));
  };
  const bind = (doc: Y.Doc, provider: WebsocketProvider): void => {
    appointmentsOf(doc).observe(refresh);
    provider.on('sync', (isSynced: boolean) => {
      setSynced(isSynced);
      refresh();
    });
  };
  const opened = establishmentIds.map((id) =>
    followServerDoc(
      (doc) => new WebsocketProvider(`${scheme}//${location.host}/sync`, activityDocName(id), doc, { disableBc: true }),
      (doc, provider) => {
        bind(doc, provider);
        setSynced(true);
        refresh();
      },
    ),
  );
  for (const followed of opened) bind(followed.doc, followed.provider);
  return {
    appointments,
    synced,
    close() {
      for (const followed of opened) followed.destroy();
    },
  };
}
