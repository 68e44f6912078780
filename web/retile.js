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
