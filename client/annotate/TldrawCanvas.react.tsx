/** @jsxImportSource react */
/**
 * The tldraw editor over one image of the dossier (a React island, loaded lazily: tldraw is
 * 2 MB). The image is locked at the back with fixed ids, so two stations opening it at once
 * create the same records; strokes are synced through yBinding.ts.
 */
import { useEffect, useMemo } from 'react';
import { AssetRecordType, Tldraw, createTLStore, defaultBindingUtils, defaultShapeUtils, type Editor, type TLShapeId } from 'tldraw';
import { getAssetUrlsByImport } from '@tldraw/assets/imports.vite';
import 'tldraw/tldraw.css';
import type * as Y from 'yjs';
import { bindStoreToYMap } from './yBinding.ts';

export const PHOTO_SHAPE_ID = 'shape:photo' as TLShapeId;
const PHOTO_ASSET_ID = AssetRecordType.createId('photo');
const assetUrls = getAssetUrlsByImport();

export interface CanvasProps {
  map: Y.Map<unknown>;
  imageUrl: string;
  imageName: string;
  width: number;
  height: number;
  licenseKey: string | undefined;
  /** The interface language of Relais ('fr' or 'en'): tldraw's menus and tool names follow it. */
  locale: string;
  onEditor: (editor: Editor) => void;
}

export function TldrawCanvas(props: CanvasProps) {
  const store = useMemo(() => createTLStore({ shapeUtils: defaultShapeUtils, bindingUtils: defaultBindingUtils }), []);
  useEffect(() => bindStoreToYMap(store, props.map), [store, props.map]);

  const onMount = (editor: Editor): void => {
    // Its translations come bundled (assetUrls), so French works offline too.
    editor.user.updateUserPreferences({ locale: props.locale });
    if (!editor.getAsset(PHOTO_ASSET_ID)) {
      editor.createAssets([
        {
          id: PHOTO_ASSET_ID,
          typeName: 'asset',
          type: 'image',
          props: { name: props.imageName, src: props.imageUrl, w: props.width, h: props.height, mimeType: null, isAnimated: false },
          meta: {},
        },
      ]);
    }
    if (!editor.getShape(PHOTO_SHAPE_ID)) {
      editor.createShape({ id: PHOTO_SHAPE_ID, type: 'image', x: 0, y: 0, isLocked: true, props: { assetId: PHOTO_ASSET_ID, w: props.width, h: props.height } });
    }
    editor.zoomToFit();
    props.onEditor(editor);
  };

  return <Tldraw store={store} onMount={onMount} assetUrls={assetUrls} licenseKey={props.licenseKey} />;
}
