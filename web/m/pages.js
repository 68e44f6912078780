// Listings read page by page. GET /v1/reports answers at most a page (100
// by default) and the cursor of the next (next_cursor); a street's desk may
// hold several hundred open cases, and a list cut at the first page both
// hides cases and, as pages come newest first, hides the oldest — the
// most overdue.
import { fetchJSON } from './net.js';

/** PAGE is the number of cases asked for per request (the server's default page). */
export const PAGE = 100;

/**
 * readPages reads up to pages pages of the listing at path (which has its
 * filters and limit), from cursor (null: the first page). It resolves to
 * { reports, next, copy }: next is the cursor of what lies beyond them
 * (null: nothing), copy whether a page was the service worker's copy (the
 * server was not reached). A page that fails after the first ends the
 * reading with what was read, its cursor as next, to be asked again; the
 * first one failing rejects.
 */
export async function readPages(path, cursor = null, pages = 1) {
  const reports = [];
  let copy = false;
  for (let i = 0; i < pages; i++) {
    let got;
    try {
      got = await fetchJSON(cursor ? `${path}&cursor=${encodeURIComponent(cursor)}` : path);
    } catch (e) {
      if (i === 0) throw e;
      break;
    }
    reports.push(...got.body.reports);
    copy ||= got.copy;
    cursor = got.body.next_cursor || null;
    if (!cursor) break;
  }
  return { reports, next: cursor, copy };
}

/** unique is a list without the repeats of an id (a case that moved between two reads), the first kept. */
export function unique(list) {
  const seen = new Set();
  return list.filter((r) => !seen.has(r.id) && seen.add(r.id));
}
