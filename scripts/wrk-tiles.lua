-- wrk-tiles.lua cycles through the tile paths listed in the file named by
-- the TILE_URLS environment variable (one per line), asking for gzip as a
-- browser does, and counts the answers that were not cache hits.
local paths = {}
for line in io.lines(os.getenv("TILE_URLS")) do paths[#paths + 1] = line end
local counter = 0
local misses = 0

function init(args)
  counter = math.random(#paths)
end

request = function()
  counter = counter % #paths + 1
  return wrk.format("GET", paths[counter], { ["Accept-Encoding"] = "gzip" })
end

response = function(status, headers, body)
  if headers["X-Cache"] ~= "hit" then misses = misses + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format("   answers not from the cache: %d\n", misses))
end
