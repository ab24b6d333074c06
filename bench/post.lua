-- wrk script: inline (htmx) comment posts, each from its own client address and with its
-- own words, so that flood control and duplicate detection (both on) let them through.
-- No cookie and no token: BENCH_FORM holds the form's signed start time, read from the page
-- a reader without cookies gets (the time trap, the origin check and flood control all run).
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  thread_id = tonumber(tid)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["HX-Request"] = "true"
end

function request()
  counter = counter + 1
  -- the salt keeps a warm-up run's words apart too: the same words twice are a duplicate
  local n = thread_id * 10000000 + tonumber(os.getenv("BENCH_SALT") or "0") * 10000 + counter
  local body = os.getenv("BENCH_FORM") ..
    "&comment-name=Bench+" .. n ..
    "&comment-email=bench" .. n .. "%40example.com" ..
    "&comment-body=Benchmark+comment+number+" .. n
  local headers = {}  -- wrk.format uses these instead of wrk.headers, so copy them in
  for name, value in pairs(wrk.headers) do headers[name] = value end
  -- addresses from the benchmarking range (198.18.0.0/15), only ever written in a header
  -- BENCH_SALT keeps a warm-up run's addresses apart from the measured run's
  local salt = tonumber(os.getenv("BENCH_SALT") or "0")
  headers["X-Forwarded-For"] = string.format("198.%d.%d.%d", 18 + (thread_id % 2),
    (salt + math.floor(counter / 256)) % 256, counter % 256)
  return wrk.format(nil, nil, headers, body)
end
