/**
 * Control icons, drawn inline (emoji fonts are missing on many stations). Stroke icons on a 24 px
 * grid, coloured by the text colour; always decorative (the button carries the label).
 */
import type { JSX } from 'solid-js';

export type IconName = 'invite' | 'photo' | 'layout' | 'popout' | 'camera' | 'mic' | 'screen' | 'audioOnly' | 'switchCamera' | 'leave';

// Functions: a Solid JSX element is one DOM node, which two icons must not share.
const PATHS: Record<IconName, () => JSX.Element> = {
  invite: () => (
    <>
      <circle cx="9" cy="8" r="4" />
      <path d="M2 21v-1a7 7 0 0 1 14 0v1M19 8v6M16 11h6" />
    </>
  ),
  photo: () => (
    <>
      <path d="M4 7h3l2-3h6l2 3h3a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1z" />
      <circle cx="12" cy="13" r="4" />
    </>
  ),
  layout: () => <path d="M3 3h7v7H3zM14 3h7v7h-7zM3 14h7v7H3zM14 14h7v7h-7z" />,
  popout: () => <path d="M14 3h7v7M21 3l-9 9M19 14v6a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1h6" />,
  camera: () => <path d="M3 6h12a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V7a1 1 0 0 1 1-1zM16 10l6-4v12l-6-4" />,
  mic: () => (
    <>
      <rect x="9" y="2" width="6" height="12" rx="3" />
      <path d="M5 11a7 7 0 0 0 14 0M12 18v4M8 22h8" />
    </>
  ),
  screen: () => <path d="M3 4h18a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1zM8 21h8M12 17v4" />,
  audioOnly: () => <path d="M3 18v-6a9 9 0 0 1 18 0v6M3 18a2 2 0 0 0 2 2h1v-6H5a2 2 0 0 0-2 2zM21 18a2 2 0 0 1-2 2h-1v-6h1a2 2 0 0 1 2 2z" />,
  switchCamera: () => (
    <>
      <path d="M4 8h3l2-3h6l2 3h3a1 1 0 0 1 1 1v10a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V9a1 1 0 0 1 1-1z" />
      <path d="M9 12.5a3 3 0 0 1 5.2-1.5M15 15a3 3 0 0 1-5.2 1.5M14.5 9.5v1.8h-1.8M9.5 18v-1.8h1.8" />
    </>
  ),
  leave: () => (
    <path d="M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1 1 .4 1.9.7 2.8a2 2 0 0 1-.5 2.1L8 9.9a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.9.3 1.8.6 2.8.7a2 2 0 0 1 1.7 2z" />
  ),
};

export function Icon(props: { name: IconName; crossed?: boolean }) {
  return (
    <svg class="call-icon" viewBox="0 0 24 24" width="24" height="24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">
      {PATHS[props.name]()}
      {props.crossed ? <path d="M3 3l18 18" /> : null}
    </svg>
  );
}
