-- wrk script for the ingestion load benchmark. wrk's Lua has no HMAC, so requests come pre-signed from a pool
-- file written by io.supportpilot.bench.load.SignedPool: one request per line, "<ts>\t<signature>\t<body>",
-- with NDJSON newlines written as \1. Each wrk thread loads its own share of the lines and cycles through it.
-- Args (after --): <pool file> <content type> <delay ms per request, 0 = none> <phase name>
-- Counts statuses per thread (and, for batch replies, the per-item "accepted"/"duplicates" numbers) and prints
-- one machine-readable RESULT line in done().

local threads = {}
local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local path, ctype = args[1], args[2]
  delay_ms = tonumber(args[3] or "0")
  nthreads = tonumber(args[5] or "1")
  pool = {}
  local n = 0
  for line in io.lines(path) do
    if n % nthreads == tid then
      local ts, sig, body = line:match("^(%d+)\t([^\t]+)\t(.*)$")
      if ts then
        body = body:gsub("\1", "\n")
        pool[#pool + 1] = wrk.format("POST", nil,
          {["Content-Type"] = ctype, ["X-Timestamp"] = ts, ["X-Signature"] = sig}, body)
      end
    end
    n = n + 1
  end
  idx = 0
  s202, s200, s207, s429, s503, s4xx, sother, accepted, duplicates = 0, 0, 0, 0, 0, 0, 0, 0, 0
end

function request()
  idx = idx % #pool + 1
  return pool[idx]
end

function response(status, headers, body)
  if status == 202 then s202 = s202 + 1
  elseif status == 200 then s200 = s200 + 1
  elseif status == 207 then s207 = s207 + 1
  elseif status == 429 then s429 = s429 + 1
  elseif status == 503 then s503 = s503 + 1
  elseif status >= 400 and status < 500 then s4xx = s4xx + 1
  else sother = sother + 1 end
  if status == 202 or status == 200 or status == 207 then
    local a = body:match('"accepted":(%d+)')
    if a then
      accepted = accepted + tonumber(a)
      duplicates = duplicates + tonumber(body:match('"duplicates":(%d+)') or "0")
    elseif status == 202 then
      accepted = accepted + 1
    else
      duplicates = duplicates + 1
    end
  end
end

function done(summary, latency, requests)
  local t = {s202 = 0, s200 = 0, s207 = 0, s429 = 0, s503 = 0, s4xx = 0, sother = 0, accepted = 0, duplicates = 0}
  for _, th in ipairs(threads) do
    for k, _ in pairs(t) do
      t[k] = t[k] + (th:get(k) or 0)
    end
  end
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d s202=%d s200=%d s207=%d s429=%d s503=%d s4xx=%d "
    .. "sother=%d accepted=%d duplicates=%d p50_us=%d p99_us=%d p999_us=%d max_us=%d "
    .. "err_connect=%d err_read=%d err_write=%d err_timeout=%d err_status=%d\n",
    summary.requests, summary.duration, t.s202, t.s200, t.s207, t.s429, t.s503, t.s4xx, t.sother,
    t.accepted, t.duplicates, latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
    latency.max, e.connect, e.read, e.write, e.timeout, e.status))
end
