/**
 * The page a guest (patient, relative, companion without account) opens from the invitation link,
 * /rejoindre/<InvitationToken> (SPEC §7.2, §9). It first asks the server what the link stands for
 * (GET /api/join): a made-up, damaged or revoked link is «pas valide»; a valid one says with whom
 * and when. Before the room window it says when to come back, after it that the consultation is
 * over; inside it, the pre-join then the call. The guest reaches the call room and what was sent to
 * them, nothing else; the server checks the token at every step.
 */
import { useParams } from '@solidjs/router';
import { createEffect, createSignal, Match, on, onCleanup, Show, Switch } from 'solid-js';
import { readInvitationToken, roomState, type GuestInvitation } from '../../schema/consultation.ts';
import { apiCall } from '../apiCall.ts';
import { CallRoom } from '../call/CallRoom.tsx';
import type { LocalMedia } from '../call/localMedia.ts';
import { openRoom, type OpenedRoom } from '../call/openRoom.ts';
import { PreJoin } from '../call/PreJoin.tsx';
import { ReceivedDocuments } from '../call/ReceivedDocuments.tsx';
import { formatParisDateTime, spokenAppointment } from '../format.ts';
import { lang, t, type MessageKey } from '../i18n/index.ts';

type Phase = { kind: 'prejoin' } | { kind: 'in'; room: OpenedRoom; local: LocalMedia; speakerId: string | null } | { kind: 'left' };

/** What the server said of the link. `skew`: the server's clock minus this device's. */
type LinkCheck =
  | { kind: 'checking' }
  | { kind: 'invalid' }
  | { kind: 'unreachable' }
  | { kind: 'valid'; consultationId: string; invitation: GuestInvitation; skew: number };

/** What the `Authorization: Invitation` header may carry (sync-server/http/peerTickets.ts). */
const TOKEN = /^[A-Za-z0-9._-]{1,512}$/;

const WHEN: Record<'today' | 'tomorrow' | 'other', MessageKey> = {
  today: 'room.join.when.today',
  tomorrow: 'room.join.when.tomorrow',
  other: 'room.join.when.other',
};

function decodedToken(raw: string | undefined): string {
  try {
    return decodeURIComponent(raw ?? '');
  } catch {
    return '';
  }
}

export function JoinPage() {
  const params = useParams<{ token: string }>();
  const token = () => decodedToken(params.token);
  const [check, setCheck] = createSignal<LinkCheck>({ kind: 'checking' });
  const [now, setNow] = createSignal(Date.now());
  // The page opens the room by itself when the time comes.
  const clock = setInterval(() => setNow(Date.now()), 15_000);
  onCleanup(() => clearInterval(clock));
  document.title = `${t('room.join.pageTitle')} — ${t('app.name')}`;

  const ask = async (asked: string) => {
    const claims = readInvitationToken(asked);
    if (!claims || !TOKEN.test(asked)) {
      setCheck({ kind: 'invalid' });
      return;
    }
    setCheck({ kind: 'checking' });
    const result = await apiCall('guestInvitation', { headers: { Authorization: `Invitation ${asked}` } });
    if (asked !== token()) return;
    if (result.ok) {
      setNow(Date.now());
      setCheck({ kind: 'valid', consultationId: claims.consultationId, invitation: result.value, skew: result.value.now - Date.now() });
    } else {
      setCheck({ kind: result.kind === 'notFound' ? 'invalid' : 'unreachable' });
    }
  };
  createEffect(on(token, (asked) => void ask(asked)));

  const valid = () => {
    const current = check();
    return current.kind === 'valid' ? current : null;
  };
  /** Where the room window stands, on the server's clock. */
  const state = () => {
    const current = valid();
    return current ? roomState(current.invitation.window, now() + current.skew) : null;
  };
  const opening = () => {
    const opensAt = valid()?.invitation.window.opensAt;
    const [date, time] = opensAt === undefined ? ['', ''] : formatParisDateTime(new Date(opensAt).toISOString()).split(' ');
    return { date: date ?? '', time: time ?? '' };
  };

  return (
    <main id="contenu" class="page join-page">
      <h1>{t('room.join.pageTitle')}</h1>
      <Switch>
        <Match when={check().kind === 'checking'}>
          <p role="status">{t('room.join.verifying')}</p>
        </Match>
        <Match when={check().kind === 'invalid'}>
          <p class="form-error" role="alert">
            {t('room.join.invalid')}
          </p>
        </Match>
        <Match when={check().kind === 'unreachable'}>
          <p class="form-error" role="alert">
            {t('room.join.unreachable')}
          </p>
          <button type="button" class="button" onClick={() => void ask(token())}>
            {t('room.join.retry')}
          </button>
        </Match>
        <Match when={state() === 'notYet'}>
          <Appointment invitation={valid()!.invitation} now={now() + valid()!.skew} waiting={false} />
          <p class="notice" role="status">
            {t('room.join.notYet', opening())}
          </p>
        </Match>
        <Match when={state() === 'over'}>
          <p class="notice" role="status">
            {t('room.join.over')}
          </p>
        </Match>
        <Match when={state() === 'open' && valid()} keyed>
          {(link) => <GuestRoom consultationId={link.consultationId} token={token()} invitation={link.invitation} now={() => now() + link.skew} />}
        </Match>
      </Switch>
    </main>
  );
}

/** «Dr Claire Martin vous attend», «Rendez-vous aujourd’hui à 10 h 30». */
function Appointment(props: { invitation: GuestInvitation; now: number; waiting: boolean }) {
  const when = () => spokenAppointment(props.invitation.start, props.now, lang());
  return (
    <div class="join-appointment">
      <p class="join-host">{t(props.waiting ? 'room.join.host' : 'room.join.hostLater', { name: props.invitation.host })}</p>
      <Show when={when()}>{(w) => <p class="join-when">{t(WHEN[w().day], { date: w().date, time: w().time })}</p>}</Show>
    </div>
  );
}

function GuestRoom(props: { consultationId: string; token: string; invitation: GuestInvitation; now: () => number }) {
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
        <Appointment invitation={props.invitation} now={props.now()} waiting />
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
