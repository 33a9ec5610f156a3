-- Seed 002's integer id is numbered per organization. It was one identity across all organizations, and the upsert of
-- every snapshot drew a number even when it updated, so the gap between two of an organization's ids told it how many
-- agents (and changes) other organizations had made meanwhile. Now an organization's agents are numbered 1, 2, 3, ...
-- from its own counter, drawn only when an agent is new; numbers go on across a rebuild (the counter is kept), so an
-- id once shown never names another agent.
CREATE TABLE registry_agent_numbers (
    org_id uuid   PRIMARY KEY,
    last   bigint NOT NULL
);
CALL warden_protect('registry_agent_numbers');

ALTER TABLE registry_agents ALTER COLUMN seq DROP IDENTITY;
DROP INDEX registry_agents_seq;
UPDATE registry_agents a SET seq = numbered.n
FROM (SELECT org_id, agent_id, row_number() OVER (PARTITION BY org_id ORDER BY seq) AS n FROM registry_agents) numbered
WHERE a.org_id = numbered.org_id AND a.agent_id = numbered.agent_id;
ALTER TABLE registry_agents ALTER COLUMN seq SET NOT NULL;
CREATE UNIQUE INDEX registry_agents_org_seq ON registry_agents (org_id, seq);
INSERT INTO registry_agent_numbers (org_id, last) SELECT org_id, max(seq) FROM registry_agents GROUP BY org_id;
