-- A heartbeat of an online instance rewrites its figures and last_heartbeat, and nothing else. With no index on any
-- of those columns, and room left on each page for the new row version, every such update is HOT: the new version
-- goes on the same page and none of the table's indexes gets an entry (docs/benchmarks.md, section 5).
-- Without these two indexes, the liveness sweep reads the online and stale rows each round (it already counts every
-- live row every 15 s), and a list sorted by lastHeartbeat sorts the organization's live instances; see
-- docs/fleet-service.md, "Liveness" and "Not done yet". No index may name last_heartbeat again.
DROP INDEX fleet_instances_heartbeat;
DROP INDEX fleet_instances_liveness;
-- Pages written from now on keep a fifth free for updated versions; rows already written move to such pages as
-- their updates find no room where they are.
ALTER TABLE fleet_instances SET (fillfactor = 80);
