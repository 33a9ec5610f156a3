-- Heartbeats from many enrolled instances: each request is the next instance's heartbeat, with its own credential.
-- The instances file ("id credential" per line) is named by the INSTANCES environment variable.
local instances = {}
for line in io.lines(os.getenv("INSTANCES")) do
  local id, credential = line:match("^(%S+) (%S+)$")
  if id then instances[#instances + 1] = { id, credential } end
end
local counter = 0
local offset = 0

function setup(thread)
  offset = offset + 1
  thread:set("offset", offset)
end

function init(args)
  counter = (tonumber(offset) or 1) * 7919
end

function request()
  counter = counter + 1
  local inst = instances[(counter % #instances) + 1]
  return wrk.format("POST", "/v1/fleet/agents/" .. inst[1] .. "/heartbeat",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. inst[2] },
    '{"uptime": 86400, "cpu": 12.5, "memory": 45.2, "version": "1.0.0"}')
end
