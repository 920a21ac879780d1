-- wrk script: POST /api/v1/authenticate for seed users user1..user10000 with password 123456
-- (data from bin/load-users), and count the answers that are not ALLOW.
--   wrk -t1 -c64 -d20s -s benchmarks/wrk/authenticate.lua http://127.0.0.1:18090
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local i = 0
local denied = 0
request = function()
  i = i + 1
  local body = string.format('{"clientId":"c%d","username":"user%d","password":"MTIzNDU2","peer":"127.0.0.1"}', i, (i % 10000) + 1)
  return wrk.format(nil, "/api/v1/authenticate", nil, body)
end
response = function(status, headers, body)
  if status ~= 200 or not string.find(body, '"ALLOW"', 1, true) then
    denied = denied + 1
    if denied <= 3 then io.write("not allowed: " .. status .. " " .. body .. "\n") end
  end
end
done = function(summary, latency, requests)
  io.write(string.format("errors: connect %d, read %d, write %d, status %d, timeout %d\n",
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout))
end
