\set n random(1, :instances)
UPDATE fleet_instances SET cpu = 12.5, memory = 45.2, uptime = 86400, version = '1.0.0', last_heartbeat = now(), status = 'online' WHERE id = (SELECT id FROM bench_ids WHERE n = :n);
