-- POST /v1/agents with a valid body; the X-API-Key header comes from wrk's -H.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"name": "bench-agent", "runtime": "docker", "description": "request-path benchmark", "tags": ["bench"]}'
