-- The audit topic publisher is woken after an appending transaction commits, not from inside it
-- (AfterCommit.notifyListeners, from ChainRepository.append), as the outbox relay is (db/warden V0_10).
DROP TRIGGER audit_entries_appended ON audit_entries;
DROP FUNCTION warden_audit_notify();
