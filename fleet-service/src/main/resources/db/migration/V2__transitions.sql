-- The transitions of the last 24 hours, in commit order per organization: what GET /v1/fleet/events streams and
-- resumes from (Last-Event-ID is seq). Written in the transaction of the change, beside its outbox row.
CREATE TABLE fleet_transitions (
    seq        bigserial   PRIMARY KEY,
    org_id     uuid        NOT NULL,
    event_id   uuid        NOT NULL UNIQUE,
    event_type text        NOT NULL,
    event      text        NOT NULL,
    at         timestamptz NOT NULL
);
CALL warden_protect('fleet_transitions');
-- The sweep (platform scope) records its transitions and forgets those older than a day.
CREATE POLICY transitions_platform ON fleet_transitions USING (warden_platform()) WITH CHECK (warden_platform());
CREATE INDEX fleet_transitions_org ON fleet_transitions (org_id, seq);
CREATE INDEX fleet_transitions_at ON fleet_transitions (at);
