-- Lists sorted by hostname order as a person reads names: without regard to case, then by case (by byte order alone,
-- "Web-2" came before "db-1"). The index follows the new order, keys and all, so a page is still an index range.
CREATE INDEX fleet_instances_hostname_folded ON fleet_instances (org_id, lower(hostname), hostname, id)
    WHERE status <> 'deregistered';
DROP INDEX fleet_instances_hostname;
