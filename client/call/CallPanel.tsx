/**
 * The video room on the consultation page (SPEC §7.1–§7.2): the professional chooses to enter
 * (camera and microphone are asked for only then), is told what to do when they are refused or
 * missing, and is in the mesh until «Quitter la salle».
 */
import { createSignal, onCleanup, Show } from 'solid-js';
import { t } from '../i18n/index.ts';
import { CallRoom } from './CallRoom.tsx';
import { openLocalMedia, type LocalMedia } from './localMedia.ts';
import { MediaHelp } from './MediaHelp.tsx';
import { openRoom, type OpenedRoom } from './openRoom.ts';
import { ReceivedDocuments } from './ReceivedDocuments.tsx';
import { SendInCall } from './SendInCall.tsx';

type Phase = { kind: 'idle' } | { kind: 'starting' } | { kind: 'in'; room: OpenedRoom; local: LocalMedia } | { kind: 'left' };

export function CallPanel(props: { consultationId: string }) {
  const [phase, setPhase] = createSignal<Phase>({ kind: 'idle' });
  const [problem, setProblem] = createSignal<LocalMedia['problem']>(null);
  const auth = { kind: 'session' } as const;
  const inCall = () => {
    const current = phase();
    return current.kind === 'in' ? current : null;
  };

  const enter = async () => {
    setPhase({ kind: 'starting' });
    const local = await openLocalMedia();
    setProblem(local.problem);
    setPhase({ kind: 'in', room: openRoom(props.consultationId, auth), local });
  };
  const end = () => {
    const current = phase();
    if (current.kind === 'in') {
      current.local.stop();
      current.room.close();
    }
  };
  onCleanup(end);

  return (
    <section class="panel call-panel" aria-labelledby="call-title">
      <h2 id="call-title">{t('room.title')}</h2>
      <Show when={phase().kind === 'idle' || phase().kind === 'left' || phase().kind === 'starting'}>
        <Show when={phase().kind === 'left'}>
          <p role="status">{t('room.left')}</p>
        </Show>
        <p class="hint">{t('room.enterHint')}</p>
        <button type="button" class="button button--primary" disabled={phase().kind === 'starting'} onClick={() => void enter()}>
          {phase().kind === 'starting' ? t('room.entering') : phase().kind === 'left' ? t('room.rejoin') : t('room.enter')}
        </button>
      </Show>
      <Show when={inCall()} keyed>
        {(call) => (
          <>
            <MediaHelp problem={problem()} onRetry={async () => {
              end();
              await enter();
            }} />
            <CallRoom
              consultationId={props.consultationId}
              auth={auth}
              room={call.room}
              local={call.local}
              professional
              onLeft={() => {
                end();
                setPhase({ kind: 'left' });
              }}
            />
            <SendInCall consultationId={props.consultationId} />
            <ReceivedDocuments consultationId={props.consultationId} room={call.room} auth={auth} />
          </>
        )}
      </Show>
    </section>
  );
}
