-- The live view's event ids (GET /v1/fleet/events, Last-Event-ID) are numbered per organization, in commit order.
-- They were one bigserial across all organizations: the gap between two of an organization's ids told it how much the
-- others' fleets did meanwhile, and a number drawn by a transaction that committed after a later-drawn one could be
-- passed over by a reader already beyond it. Now each organization's counter row hands out its numbers, and stays
-- locked until the transaction commits, so numbers become visible in order, without gaps.
CREATE TABLE fleet_transition_numbers (
    org_id uuid   PRIMARY KEY,
    last   bigint NOT NULL
);
CALL warden_protect('fleet_transition_numbers');
-- The sweep (platform scope) records transitions of every organization.
CREATE POLICY numbers_platform ON fleet_transition_numbers USING (warden_platform()) WITH CHECK (warden_platform());

ALTER TABLE fleet_transitions ADD COLUMN number bigint;
UPDATE fleet_transitions t SET number = numbered.n
FROM (SELECT seq, row_number() OVER (PARTITION BY org_id ORDER BY seq) AS n FROM fleet_transitions) numbered
WHERE t.seq = numbered.seq;
ALTER TABLE fleet_transitions ALTER COLUMN number SET NOT NULL;
CREATE UNIQUE INDEX fleet_transitions_org_number ON fleet_transitions (org_id, number);
DROP INDEX fleet_transitions_org;
INSERT INTO fleet_transition_numbers (org_id, last) SELECT org_id, max(number) FROM fleet_transitions GROUP BY org_id;
