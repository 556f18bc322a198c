/** @jsxImportSource react */
/** Mounts the tldraw island into a Solid-owned element; returns the unmount function. */
import { createRoot } from 'react-dom/client';
import { TldrawCanvas, PHOTO_SHAPE_ID, type CanvasProps } from './TldrawCanvas.react.tsx';

export { PHOTO_SHAPE_ID };

export function mountCanvas(element: HTMLElement, props: CanvasProps): () => void {
  const root = createRoot(element);
  root.render(<TldrawCanvas {...props} />);
  return () => root.unmount();
}
