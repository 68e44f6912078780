-- wrk script: POST /v1/reports, each report new (a unique UUID built from a
-- per-run random prefix, the thread and a counter) at a random point of the
-- demo city. Environment: TOKEN (bearer), POINTS_LUA (a file setting
-- points = {{lng, lat}, ...}), BATCH (reports per request; >1 posts to
-- /v1/reports:batch).
local token, batch
local counter, prefix = 0, 0
tid = 0 -- set per thread by setup

local nthreads = 0

function setup(thread)
  thread:set("tid", nthreads)
  nthreads = nthreads + 1
end

function init(args)
  dofile(os.getenv("POINTS_LUA"))
  token = os.getenv("TOKEN")
  batch = tonumber(os.getenv("BATCH") or "1")
  math.randomseed(os.time() * 7919 + tid * 104729)
  prefix = math.random(0, 0x7fffffff)
end

local categories = {"E0506", "E0601", "E0602", "E0102", "C0111", "E0101", "E0504", "C0103"}

local function report()
  counter = counter + 1
  local id = string.format("%08x-%04x-4%03x-8%03x-%012x", prefix, tid % 0x10000, math.random(0, 0xfff),
    math.random(0, 0xfff), counter)
  local p = points[math.random(#points)]
  return string.format('{"id":"%s","kind":"hazard","category":"%s","severity":%d,' ..
    '"description":"bench: 楼道堆物，影响通行","point":[%.7f,%.7f],"crs":"wgs84","observed_at":"%s"}',
    id, categories[math.random(#categories)], math.random(1, 4), p[1], p[2],
    os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() - 60))
end

request = function()
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}
  if batch <= 1 then
    return wrk.format("POST", "/v1/reports", headers, report())
  end
  local parts = {}
  for i = 1, batch do parts[i] = report() end
  return wrk.format("POST", "/v1/reports:batch", headers, '{"reports":[' .. table.concat(parts, ",") .. "]}")
end

done = function(summary, latency, requests)
  io.write(string.format("   requests: %d, errors: connect %d, read %d, write %d, status %d, timeout %d\n",
    summary.requests, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.status, summary.errors.timeout))
end
