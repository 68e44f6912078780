// Photos from the camera, made a sensible size on the phone before they
// are queued: a 12-megapixel original becomes a JPEG of at most 1600 px
// (a few hundred kilobytes), turned upright as the camera meant it, so
// that an upload over a weak signal finishes. A photo small enough already
// is kept byte for byte, EXIF and all.
import { checksum, api } from './net.js';
import { blob as queuedBlob } from './store.js';
import { t } from './i18n.js';

const MAX_SIDE = 1600;
const KEEP_BYTES = 1_500_000;
const TYPES = ['image/jpeg', 'image/png', 'image/webp'];

/** prepare returns the photo to queue: its bytes, checksum and a preview URL. */
export async function prepare(file) {
  const bmp = await createImageBitmap(file, { imageOrientation: 'from-image' });
  let blob = file;
  const long = Math.max(bmp.width, bmp.height);
  if (long > MAX_SIDE || file.size > KEEP_BYTES || !TYPES.includes(file.type)) {
    const s = Math.min(1, MAX_SIDE / long);
    const canvas = new OffscreenCanvas(Math.round(bmp.width * s), Math.round(bmp.height * s));
    canvas.getContext('2d').drawImage(bmp, 0, 0, canvas.width, canvas.height);
    blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.85 });
  } else {
    blob = new Blob([await file.arrayBuffer()], { type: file.type });
  }
  bmp.close();
  return { blob, checksum: await checksum(blob), preview: URL.createObjectURL(blob) };
}

/**
 * addPhotos prepares the files chosen in input and adds them to list. A
 * file the phone cannot decode (not an image, or a broken one) is left out
 * with a message in msg; the form and the other photos stay.
 */
export async function addPhotos(input, list, msg) {
  const files = [...input.files];
  input.value = ''; // the same file may be chosen again
  msg.textContent = '';
  for (const f of files) {
    try {
      list.push(await prepare(f));
    } catch {
      msg.textContent = t('report.badphoto');
    }
  }
}

/** photoItems are the outbox items of prepared photos (their checksum is their id). */
export const photoItems = (photos, label) => photos.map((p) => ({ id: p.checksum, kind: 'photo', label }));

/** photoBlobs maps the photos' checksums to their bytes, for enqueue. */
export const photoBlobs = (photos) => Object.fromEntries(photos.map((p) => [p.checksum, p.blob]));

/**
 * thumb is an image of a stored photo's thumbnail, fetched with the token
 * (an img cannot send it); queued says the photo may still be on the phone,
 * waiting to be sent: its own bytes are shown then.
 */
export function thumb(sum, queued = false) {
  const img = Object.assign(document.createElement('img'), { alt: sum.slice(7, 15), className: 'thumb' });
  const stored = () => api(`v1/attachments/${sum}?size=thumb`).then(async (res) => {
    if (res.ok) img.src = URL.createObjectURL(await res.blob());
  });
  (queued ? queuedBlob(sum).then((b) => (b ? (img.src = URL.createObjectURL(b)) : stored())) : stored()).catch(() => {});
  return img;
}
