-- wrk script: every request credits a new, unique workload (durable POST).
-- Orchestrators bench-0 .. bench-63 must be registered first.
local counter = 0
local thread_no = 0

-- Runs in the main state once per thread: gives each thread its own id prefix
-- (a global, read by request() in that thread's state).
function setup(thread)
  thread_no = thread_no + 1
  thread:set("id_prefix", string.format("r%d-%d-%d-", os.time(), math.random(1, 1e9), thread_no))
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"workload_id":"%s%d","orchestrator_id":"bench-%d","amount":"0.000001","duration_ms":1000}',
    id_prefix, counter, counter % 64)
  return wrk.format("POST", "/api/workloads", {["Content-Type"] = "application/json"}, body)
end
