-- wrk script: requests from a list of paths, and every request's latency.
--
-- Arguments (after wrk's "--"): the list file, "once" or "loop", and the thread count.
-- Each list line is a path, optionally followed by a tab and one "Name: value" header.
-- wrk runs one connection per thread (-tN -cN); thread k takes lines k, k+N, k+2N, ...
-- "once" sends each of its lines once, in order, then stops the thread (first-time searches);
-- "loop" cycles through them until wrk's duration ends.
--
-- The latency of each request is taken from just before wrk writes it to just after its
-- response has been read (clock_gettime), raw: wrk's own summary adds made-up samples for
-- "coordinated omission", which a closed loop of one connection per visitor does not have. Each
-- figure is tied to its line; done() prints them all as one JSON line starting "WRKJSON ".
--
-- wrk calls request() once in thread 0 before the run to check the request, and its main
-- thread sleeps for the whole duration whatever its threads do: so the list advances on each
-- response, not on each request(), and a thread that has sent its lines says "WRKDONE" on
-- stderr, for the caller to end the run with SIGINT (tests/perf/load.py).
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long sec; long nsec; } bench_timespec;
int clock_gettime(int clock, bench_timespec *out);
]]
local clock = ffi.new("bench_timespec")

local function now_us()
  ffi.C.clock_gettime(1, clock)   -- CLOCK_MONOTONIC
  return tonumber(clock.sec) * 1000000 + tonumber(clock.nsec) / 1000
end

local threads, started = {}, 0

function setup(thread)
  thread:set("id", started)
  table.insert(threads, thread)
  started = started + 1
end

function init(args)
  local file, count = args[1], tonumber(args[3])
  once = args[2] == "once"
  requests, lines = {}, {}
  local n = 0
  for line in io.lines(file) do
    if n % count == id then
      local path, header = line:match("^([^\t]*)\t?(.*)$")
      local headers = {}
      local name, value = header:match("^([^:]+):%s*(.*)$")
      if name then headers[name] = value end
      table.insert(requests, wrk.format("GET", path, headers))
      table.insert(lines, n)
    end
    n = n + 1
  end
  current, answered, t0 = 1, 0, 0
  latency_us, line_of, bad, bad_example = {}, {}, 0, ""
end

function request()
  t0 = now_us()
  return requests[current]
end

function response(status, headers, body)
  table.insert(latency_us, now_us() - t0)
  table.insert(line_of, lines[current])
  if status ~= 200 then
    bad = bad + 1
    bad_example = status .. " for line " .. lines[current]
  end
  answered = answered + 1
  if once and answered >= #requests then
    wrk.thread:stop()
    io.stderr:write("WRKDONE\n")
  elseif once then
    current = current + 1
  else
    current = current % #requests + 1
  end
end

function done(summary, latency, rates)
  local out = {}
  for _, thread in ipairs(threads) do
    local us, at = thread:get("latency_us"), thread:get("line_of")
    for i = 1, #us do
      table.insert(out, string.format("[%d,%.1f]", at[i], us[i]))
    end
  end
  local bad, example = 0, ""
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("bad")
    if thread:get("bad") > 0 then example = thread:get("bad_example") end
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"samples":[%s],"bad":%d,"bad_example":"%s","errors":%d,"seconds":%.3f}\n',
    table.concat(out, ","), bad, example, e.connect + e.read + e.write + e.timeout,
    summary.duration / 1000000))
end
