-- wrk-tiles.lua cycles through the tile paths listed in the file named by
-- the TILE_URLS environment variable (one per line), asking for gzip as a
-- browser does, and counts the answers that were not cache hits. It ends
-- with a "wrk-summary rps p50_ms p99_ms non2xx requests" line for scripts.

-- The summary line, shared by the wrk scripts (wrk-summary.lua, found beside this one).
local write_summary = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk-summary.lua")
local paths = {}
for line in io.lines(os.getenv("TILE_URLS")) do paths[#paths + 1] = line end
local counter = 0
misses = 0 -- global: done reads it from each thread
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
end

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
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("misses") end
  io.write(string.format("   answers not from the cache: %d\n", total))
  write_summary(summary, latency)
end
