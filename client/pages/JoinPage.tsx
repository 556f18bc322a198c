/**
 * The page a guest (patient, relative, companion without account) opens from the invitation link,
 * /rejoindre/<InvitationToken> (SPEC §7.2, §9): before the room window it says when to come back,
 * after it that the consultation is over; inside it, the pre-join then the call. The guest reaches
 * the call room and what was sent to them, nothing else; the server checks the token at every step.
 */
import { useParams } from '@solidjs/router';
import { createSignal, Match, onCleanup, Switch } from 'solid-js';
import { readInvitationToken } from '../../schema/consultation.ts';
import { CallRoom } from '../call/CallRoom.tsx';
import type { LocalMedia } from '../call/localMedia.ts';
import { openRoom, type OpenedRoom } from '../call/openRoom.ts';
import { PreJoin } from '../call/PreJoin.tsx';
import { ReceivedDocuments } from '../call/ReceivedDocuments.tsx';
import { formatParisDateTime } from '../format.ts';
import { t } from '../i18n/index.ts';

type Phase = { kind: 'prejoin' } | { kind: 'in'; room: OpenedRoom; local: LocalMedia; speakerId: string | null } | { kind: 'left' };

export function JoinPage() {
  const params = useParams<{ token: string }>();
  const token = () => decodeURIComponent(params.token ?? '');
  const claims = () => readInvitationToken(token());
  const [now, setNow] = createSignal(Date.now());
  // The page opens the room by itself when the time comes.
  const clock = setInterval(() => setNow(Date.now()), 15_000);
  onCleanup(() => clearInterval(clock));
  document.title = `${t('room.join.pageTitle')} — ${t('app.name')}`;

  const roomWindow = () => claims()?.window ?? null;
  const opening = () => {
    const w = roomWindow();
    const [date, time] = w ? formatParisDateTime(new Date(w.opensAt).toISOString()).split(' ') : ['', ''];
    return { date: date ?? '', time: time ?? '' };
  };

  return (
    <main id="contenu" class="page join-page">
      <h1>{t('room.join.pageTitle')}</h1>
      <Switch>
        <Match when={!claims()}>
          <p class="form-error" role="alert">
            {t('room.join.invalid')}
          </p>
        </Match>
        <Match when={roomWindow() && now() < roomWindow()!.opensAt}>
          <p class="notice" role="status">
            {t('room.join.notYet', opening())}
          </p>
        </Match>
        <Match when={roomWindow() && now() > roomWindow()!.closesAt}>
          <p class="notice" role="status">
            {t('room.join.over')}
          </p>
        </Match>
        <Match when={claims()}>
          {(c) => <GuestRoom consultationId={c().consultationId} token={token()} />}
        </Match>
      </Switch>
    </main>
  );
}

function GuestRoom(props: { consultationId: string; token: string }) {
  const auth = { kind: 'invitation', token: props.token } as const;
  const [phase, setPhase] = createSignal<Phase>({ kind: 'prejoin' });
  const inCall = () => {
    const current = phase();
    return current.kind === 'in' ? current : null;
  };
  const end = () => {
    const current = inCall();
    current?.local.stop();
    current?.room.close();
  };
  onCleanup(end);

  return (
    <Switch>
      <Match when={phase().kind === 'prejoin'}>
        <p>{t('room.join.welcome')}</p>
        <PreJoin onJoin={(local, speakerId) => setPhase({ kind: 'in', room: openRoom(props.consultationId, auth), local, speakerId })} />
      </Match>
      <Match when={phase().kind === 'left'}>
        <p role="status">{t('room.left')}</p>
        <button type="button" class="button button--primary prejoin-join" onClick={() => setPhase({ kind: 'prejoin' })}>
          {t('room.rejoin')}
        </button>
      </Match>
      <Match when={inCall()} keyed>
        {(call) => (
          <section aria-labelledby="guest-call-title">
            <h2 id="guest-call-title" class="visually-hidden">
              {t('room.title')}
            </h2>
            <CallRoom
              consultationId={props.consultationId}
              auth={auth}
              room={call.room}
              local={call.local}
              professional={false}
              speakerId={call.speakerId}
              onLeft={() => {
                end();
                setPhase({ kind: 'left' });
              }}
            />
            <ReceivedDocuments consultationId={props.consultationId} room={call.room} auth={auth} />
          </section>
        )}
      </Match>
    </Switch>
  );
}
