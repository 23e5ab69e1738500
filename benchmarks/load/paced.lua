-- pool.lua with a pause of <delay ms> before each request on every connection: a rough rate limit for the
-- latency phase (wrk from Debian is not wrk2 and has no constant-rate mode). Run from benchmarks/load.
dofile("pool.lua")

function delay()
  return delay_ms
end
