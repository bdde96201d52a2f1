-- wrk: POST /policies with a distinct member pair per request (thread id + counter).
local thread_id = 0
local counter = 0
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("thread_id", next_id)
  table.insert(threads, thread)
end

function init(args)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  counter = counter + 1
  local member = string.format("B%d-%d-%d", thread_id, counter, math.random(1, 1000000000))
  local body = string.format(
    '{"policyholder_name":"Bench Holder","policy_type":"Health","start_date":"2026-01-01",' ..
    '"end_date":"2027-01-01","premium_amount":"120.50","customer_id":"C-%s",' ..
    '"coverage_amount":"50000.00","subscriber_number":"%s","plan_group_number":"G-BENCH"}',
    member, member)
  return wrk.format(nil, "/policies", nil, body)
end
