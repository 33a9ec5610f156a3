package dev.warden.runner.tier;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImagePolicyTest {

    private static final UUID ACME = UUID.fromString("00000ac1-0000-4000-8000-000000000001");
    private static final UUID OTHER = UUID.randomUUID();

    @Test
    void nothingConfiguredRunsAnyImage() {
        ImagePolicy open = new ImagePolicy(List.of(), List.of());

        assertTrue(open.open());
        assertTrue(open.refusal(OTHER, "anything.example/at/all:1").isEmpty());
    }

    @Test
    void anOrganizationRunsTheSharedPrefixesAndItsOwnButNotAnothersOrALookAlike() {
        ImagePolicy policy = new ImagePolicy(List.of("registry.example.com/shared/"),
                List.of(ACME + "=registry.example.com/acme/", ACME + "=docker.io/library/busybox:"));

        assertTrue(policy.refusal(ACME, "registry.example.com/shared/scanner:2").isEmpty());
        assertTrue(policy.refusal(ACME, "registry.example.com/acme/triage:1").isEmpty());
        assertTrue(policy.refusal(ACME, "docker.io/library/busybox:1.36").isEmpty());
        assertTrue(policy.refusal(OTHER, "registry.example.com/shared/scanner:2").isEmpty());

        assertFalse(policy.refusal(OTHER, "registry.example.com/acme/triage:1").isEmpty(), "acme's images are acme's");
        assertFalse(policy.refusal(ACME, "registry.example.com/acme-evil/triage:1").isEmpty());
        assertFalse(policy.refusal(ACME, "docker.io/library/busybox-evil:1").isEmpty());
        assertFalse(policy.refusal(ACME, "registry.example.com/sharedx/y:1").isEmpty());
    }

    @Test
    void aPrefixThatCouldMatchALongerNameOrAMalformedEntryStopsTheStart() {
        assertThrows(IllegalStateException.class, () -> new ImagePolicy(List.of("registry.example.com/acme"), List.of()));
        assertThrows(IllegalStateException.class, () -> new ImagePolicy(List.of(), List.of("acme=registry.example.com/acme/")));
        assertThrows(IllegalStateException.class, () -> new ImagePolicy(List.of(), List.of(ACME + "=")));
        assertThrows(IllegalStateException.class, () -> new ImagePolicy(List.of(), List.of(ACME + "=docker.io/library/busybox")));
    }
}
