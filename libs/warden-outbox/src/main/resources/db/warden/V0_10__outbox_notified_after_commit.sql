-- The relay is woken after a writing transaction commits, not from inside it (AfterCommit.notifyListeners, from
-- Outbox): PostgreSQL serializes the commits of every transaction that sends a NOTIFY, in the whole server, through
-- their flush to disk, so this trigger made every write of every service commit one at a time.
DROP TRIGGER warden_outbox_inserted ON warden_outbox;
DROP FUNCTION warden_outbox_notify();
