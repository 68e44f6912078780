// Reloading tiles, shared by the console (app.js) and the big screen.

/**
 * tileReloader returns reload(map, minVersion): it makes MapLibre request
 * every tile of the sources named by ids again, with a new ?v= (which the
 * server ignores) so that neither the browser's cache nor MapLibre's
 * answers. minVersion is the data version the tiles must show — one an edit
 * saved here answered with (Gridmap-Index-Version), or one an event said a
 * change was stamped with: whichever node serves the tiles then shows that
 * change, or waits for it, instead of a tile from before it that would stay
 * on the map until the next change. The highest version seen stays on the
 * URLs: no later reload may show less than the page has seen.
 */
export function tileReloader(ids) {
  let epoch = 0;
  let min = 0;
  return (map, minVersion = null) => {
    epoch += 1;
    min = Math.max(min, Number(minVersion) || 0);
    for (const src of ids.map((id) => map.getSource(id)).filter((x) => x?.tiles)) {
      src.setTiles(src.tiles.map((u) => {
        const url = new URL(u);
        url.searchParams.set('v', `${Date.now().toString(36)}${epoch}`);
        if (min > 0) url.searchParams.set('min_version', String(min));
        return decodeURI(url.href); // keep {z}/{x}/{y} unescaped
      }));
    }
  };
}

/**
 * atMostEvery wraps reload(map, minVersion) so that it runs at most once
 * every ms: the first call runs at once, and the calls within ms of a run
 * are merged into one run when ms has passed, with the highest minVersion
 * asked. A burst of events (a batch upload of hundreds of reports) then
 * costs a few reloads of the tiles, not one per event, and a screen never
 * has every tile in flight at once, over and over.
 */
export function atMostEvery(reload, ms) {
  let last = -Infinity;
  let timer = null;
  let want = null; // the merged call waiting: { map, minVersion }
  const run = () => {
    timer = null;
    last = Date.now();
    const { map, minVersion } = want;
    want = null;
    reload(map, minVersion);
  };
  return (map, minVersion = null) => {
    const v = Math.max(Number(want?.minVersion) || 0, Number(minVersion) || 0);
    want = { map, minVersion: v || null };
    if (timer) return;
    const wait = last + ms - Date.now();
    if (wait <= 0) run(); else timer = setTimeout(run, wait);
  };
}
