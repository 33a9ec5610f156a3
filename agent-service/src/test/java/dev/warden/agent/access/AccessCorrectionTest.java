package dev.warden.agent.access;

import dev.warden.events.access.AccessEvents.Organization;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** {@link AccessReconciliation#correction}: which side of a difference is behind, for an organization. */
class AccessCorrectionTest {

    private static final UUID ID = UUID.randomUUID();
    private static final Instant CREATED = Instant.parse("2026-12-01T10:00:00Z");
    private static final Instant DISABLED = CREATED.plusSeconds(60);

    private static Organization published(String status, Instant at) {
        return new Organization(ID, "acme", status, CREATED, at);
    }

    private static OrganizationRecord stored(String status, Instant at) {
        return new OrganizationRecord(ID, "acme", status, CREATED, at, List.of());
    }

    @Test
    void aDisablingTheDatabaseLostIsTakenBackIntoIt() {
        // restored to before the disabling: the row is older than the event
        assertEquals(AccessReconciliation.Correction.ORGANIZATION_DISABLED_IN_DATABASE,
                AccessReconciliation.correction(published("disabled", DISABLED), stored("active", CREATED)));
        assertEquals(AccessReconciliation.Correction.ORGANIZATION_DISABLED_IN_DATABASE,
                AccessReconciliation.correction(published("disabled", DISABLED), stored("active", DISABLED)));
    }

    @Test
    void anEnablingNewerThanTheTopicIsNotUndone() {
        // enabled a moment ago, its event not yet read: the row is newer than what the topic says
        assertNull(AccessReconciliation.correction(published("disabled", DISABLED), stored("active", DISABLED.plusMillis(5))));
    }

    @Test
    void theOtherCasesStand() {
        assertEquals(AccessReconciliation.Correction.ORGANIZATION_REPUBLISHED,
                AccessReconciliation.correction(published("active", CREATED), stored("disabled", DISABLED)));
        assertEquals(AccessReconciliation.Correction.ORGANIZATION_DISABLED_ON_TOPIC,
                AccessReconciliation.correction(published("active", CREATED), null));
        assertNull(AccessReconciliation.correction(published("active", CREATED), stored("active", CREATED)));
    }
}
