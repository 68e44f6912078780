-- wrk script: single-point GET /v1/resolve at random points over a box,
-- RESOLVE_BOX="minlng minlat maxlng maxlat" (urban Tianjin by default), signed
-- in with RESOLVE_TOKEN when it is set (Authorization: Bearer, on every request).
-- It ends with a "wrk-summary rps p50_ms p99_ms non2xx requests" line for scripts.

-- The summary line, shared by the wrk scripts (wrk-summary.lua, found beside this one).
local write_summary = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk-summary.lua")
local box = { 116.95, 38.85, 117.65, 39.30 }
if os.getenv("RESOLVE_BOX") then
  local i = 1
  for v in string.gmatch(os.getenv("RESOLVE_BOX"), "%S+") do box[i] = tonumber(v); i = i + 1 end
end

function init(args)
  math.randomseed(42 + math.random(1000))
  if os.getenv("RESOLVE_TOKEN") then
    wrk.headers["Authorization"] = "Bearer " .. os.getenv("RESOLVE_TOKEN")
  end
end

request = function()
  local lng = box[1] + math.random() * (box[3] - box[1])
  local lat = box[2] + math.random() * (box[4] - box[2])
  return wrk.format("GET", string.format("/v1/resolve?lng=%.7f&lat=%.7f", lng, lat))
end

done = function(summary, latency, requests)
  write_summary(summary, latency)
end
