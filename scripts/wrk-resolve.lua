-- wrk script: single-point GET /v1/resolve at random points over urban Tianjin.
math.randomseed(42)
request = function()
  local lng = 116.95 + math.random() * 0.7
  local lat = 38.85 + math.random() * 0.45
  return wrk.format("GET", string.format("/v1/resolve?lng=%.7f&lat=%.7f", lng, lat))
end
