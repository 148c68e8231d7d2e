-- wrk script for raw non-stream throughput: POSTs the JSON in $WRK_BODY, and at the end
-- prints one JSON line (requests, req/s, socket and non-2xx errors, latency percentiles).
--   WRK_BODY='{"model":"gpt-mock","messages":[{"role":"user","content":"hi"}]}' \
--     wrk -t1 -c16 -d5s -s bench/wrk_post.lua -H 'Authorization: Bearer KEY' URL
-- No response() hook on purpose: defining one makes wrk parse every body in Lua, which
-- would make the generator, not the proxy, the bottleneck.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = assert(os.getenv("WRK_BODY"), "set WRK_BODY to the JSON request body")

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    '{"tool":"wrk","requests":%d,"seconds":%.3f,"rps":%.1f,"socket_errors":%d,' ..
    '"non_2xx":%d,"lat_ms":{"p50":%.3f,"p99":%.3f,"max":%.3f}}\n',
    summary.requests, seconds, summary.requests / seconds,
    e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3))
end
