// The files an import takes (import.js): the endings it sends, the
// shapefile side files it leaves out, and what is wrong with the files
// picked, said before they are sent — a shapefile without its parts, too
// many files, too many bytes (the server's limits, api/imports.go).
import { t } from './i18n.js';

/** exts are the endings of the files an import sends. */
export const exts = ['.zip', '.geojson', '.json', '.gpkg', '.shp', '.shx', '.dbf', '.prj', '.cpg'];
// The side files ArcGIS and QGIS keep beside a shapefile (indexes, metadata):
// picking the whole folder brings them, and an import needs none of them.
const sideFiles = ['.sbn', '.sbx', '.xml', '.qix', '.qmd', '.qpj', '.fbn', '.fbx', '.ain', '.aih', '.atx', '.ixs', '.mxs', '.lock'];
const MAX_FILES = 10; // api/imports.go maxImportFiles
const MAX_BYTES = 2 ** 30; // api.MaxImportBytes
const extOf = (name) => name.slice(name.lastIndexOf('.')).toLowerCase();
const bytes = (files) => files.reduce((s, f) => s + f.size, 0);

/**
 * pickFiles adds list to the files picked before (the same name again
 * replaces one) and returns them (files), with the names it left out: side
 * files (side) and anything else an import does not take (skipped).
 */
export function pickFiles(files, list) {
  const skipped = [];
  const side = [];
  for (const f of list) {
    if (sideFiles.includes(extOf(f.name))) { side.push(f.name); continue; }
    if (!exts.includes(extOf(f.name)) || f.name.startsWith('.')) { skipped.push(f.name); continue; }
    files = files.filter((g) => g.name.toLowerCase() !== f.name.toLowerCase()).concat(f);
  }
  return { files, skipped, side };
}

/** problems are what is wrong with files; srs: a coordinate system is given (a shapefile needs no .prj). */
export function problems(files, srs) {
  const names = new Set(files.map((f) => f.name.toLowerCase()));
  const out = [];
  for (const f of files.filter((g) => extOf(g.name) === '.shp')) {
    const base = f.name.slice(0, -4).toLowerCase();
    const missing = ['.shx', '.dbf'].filter((x) => !names.has(base + x));
    if (missing.length) out.push(t('im.shpMissing', { shp: f.name, parts: missing.join(' ') }));
    if (!names.has(`${base}.prj`) && !srs) out.push(t('im.noPrj', { shp: f.name }));
  }
  if (files.length > MAX_FILES) out.push(t('im.tooMany', { n: MAX_FILES }));
  if (bytes(files) > MAX_BYTES) out.push(t('im.tooBig', { size: size(MAX_BYTES) }));
  return out;
}

/** unsendable: no files, or more files or bytes than the server takes. */
export const unsendable = (files) => files.length === 0 || files.length > MAX_FILES || bytes(files) > MAX_BYTES;

/** size writes a number of bytes for people. */
export function size(b) {
  if (b < 1024) return `${b} B`;
  return b < 1024 ** 2 ? `${(b / 1024).toFixed(1)} KB` : b < 1024 ** 3 ? `${(b / 1024 ** 2).toFixed(1)} MB` : `${(b / 1024 ** 3).toFixed(1)} GB`;
}
