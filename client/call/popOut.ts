/**
 * «Externaliser la vidéo» (SPEC §7.2): Picture-in-Picture where the browser has it, otherwise a
 * small separate window showing the same stream (same origin, so it can take the MediaStream).
 */
export async function popOutVideo(video: HTMLVideoElement, title: string): Promise<boolean> {
  if (document.pictureInPictureEnabled && !video.disablePictureInPicture) {
    try {
      if (document.pictureInPictureElement === video) await document.exitPictureInPicture();
      else await video.requestPictureInPicture();
      return true;
    } catch {
      // Falls through to the window: PiP can be refused (no frame yet, policy).
    }
  }
  const stream = video.srcObject;
  if (!(stream instanceof MediaStream)) return false;
  const popup = window.open('', 'relais-video', 'popup,width=480,height=300');
  if (!popup) return false;
  popup.document.title = title;
  popup.document.body.style.cssText = 'margin:0;background:#000';
  const copy = popup.document.createElement('video');
  copy.autoplay = true;
  copy.playsInline = true;
  copy.muted = true;
  copy.style.cssText = 'width:100%;height:100vh;object-fit:contain';
  copy.srcObject = stream;
  popup.document.body.replaceChildren(copy);
  return true;
}
