-- wrk: GET /policies/{id} (mode "get") or PUT /policies/{id} (mode "put") over ids read from
-- the file named by the IDS_FILE environment variable, one id per line.
local ids = {}
local mode = os.getenv("BENCH_MODE") or "get"

function init(args)
  for line in io.lines(os.getenv("IDS_FILE")) do
    table.insert(ids, line)
  end
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)"), 16) % 100000)
end

function request()
  local id = ids[math.random(1, #ids)]
  if mode == "put" then
    local body = string.format(
      '{"policyholder_name":"Renamed Holder","policy_type":"Car","start_date":"2026-01-01",' ..
      '"end_date":"2027-01-01","premium_amount":"99.90","customer_id":"C-%s",' ..
      '"coverage_amount":"60000.00"}', id)
    return wrk.format("PUT", "/policies/" .. id, {["Content-Type"] = "application/json"}, body)
  end
  return wrk.format("GET", "/policies/" .. id)
end
