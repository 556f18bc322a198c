/**
 * «Mes rendez-vous» live (SPEC §2): the `activity/<establishmentId>` document, opened read-only
 * (the server is its only writer; the socket's edits would be dropped anyway).
 */
import { createSignal, type Accessor } from 'solid-js';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { activityDocName, appointmentsOf, isActivityAppointment, type ActivityAppointment } from '../../schema/activity.ts';

export interface OpenedActivity {
  appointments: Accessor<ActivityAppointment[]>;
  synced: Accessor<boolean>;
  close(): void;
}

export function openActivity(establishmentIds: string[]): OpenedActivity {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const [appointments, setAppointments] = createSignal<ActivityAppointment[]>([]);
  const [synced, setSynced] = createSignal(false);
  const opened = establishmentIds.map((id) => {
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(`${scheme}//${location.host}/sync`, activityDocName(id), doc, { disableBc: true });
    return { doc, provider };
  });
  const refresh = () => {
    const all: ActivityAppointment[] = [];
    for (const { doc } of opened) for (const value of appointmentsOf(doc).values()) if (isActivityAppointment(value)) all.push(value);
    setAppointments(all.sort((a, b) => a.start.localeCompare(b.start)));
  };
  for (const { doc, provider } of opened) {
    appointmentsOf(doc).observe(refresh);
    provider.on('sync', (isSynced: boolean) => {
      setSynced(isSynced);
      refresh();
    });
  }
  return {
    appointments,
    synced,
    close() {
      for (const { doc, provider } of opened) {
        provider.destroy();
        doc.destroy();
      }
    },
  };
}
