-- wrk script for bench/soak.sh: token exchanges cycling through the IdentityServer4 tokens of many users, each
-- thread stopping after SOAK_PER_THREAD responses so the run has an exact size, and saying so with a file in
-- SOAK_DONE_DIR (wrk itself waits for its duration or SIGINT, which soak.sh sends once all threads are done).
-- Counts non-200 answers.
local tokens = {}
local next_index = 1
responses = 0
failures = 0
local limit = tonumber(os.getenv("SOAK_PER_THREAD"))
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  for line in io.lines(os.getenv("SOAK_TOKENS")) do
    tokens[#tokens + 1] = line
  end
  -- Threads start half the user list apart, so no two ask for the same new user at the same moment.
  next_index = math.floor((id - 1) * #tokens / 2) + 1
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Authorization"] = "Basic " .. os.getenv("SOAK_BASIC")
end

function request()
  local token = tokens[next_index]
  next_index = next_index % #tokens + 1
  return wrk.format(nil, nil, nil, os.getenv("SOAK_BODY") .. token)
end

function response(status, headers, body)
  responses = responses + 1
  if status ~= 200 then
    failures = failures + 1
  end
  if responses == limit then
    io.open(os.getenv("SOAK_DONE_DIR") .. "/thread-" .. id, "w"):close()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local total, failed = 0, 0
  for _, thread in ipairs(threads) do
    total = total + thread:get("responses")
    failed = failed + thread:get("failures")
  end
  io.write(string.format("SOAK responses=%d non200=%d p50_ms=%.2f p99_ms=%.2f seconds=%.1f\n", total, failed,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.duration / 1e6))
end
