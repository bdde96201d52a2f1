-- wrk: POST /policies with a distinct member pair per request (thread id + counter).
-- thread_id is a global so that setup() can set it in each thread's interpreter.
thread_id = 0
local counter = 0
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
end

function init(args)
  -- Distinct across runs against the same database.
  run_id = os.time()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local member = string.format("B%d-%d-%d", thread_id, counter, run_id)
  local body = string.format(
    '{"policyholder_name":"Bench Holder","policy_type":"Health","start_date":"2026-01-01",' ..
    '"end_date":"2027-01-01","premium_amount":"120.50","customer_id":"C-%s",' ..
    '"coverage_amount":"50000.00","subscriber_number":"%s","plan_group_number":"G-BENCH"}',
    member, member)
  return wrk.format(nil, "/policies", nil, body)
end
