-- Each governed agent's status as agent-service last published it, with the revision it had (an older or repeated
-- event changes nothing): a suspended agent enrols no instance and gets no enrolment token (a security trial
-- enrolled instances of one). Null until an event with the agent's snapshot arrives (a registration's approval
-- names the agent alone); the next change of the agent fills it in.
ALTER TABLE fleet_agents ADD COLUMN status text, ADD COLUMN revision bigint;
