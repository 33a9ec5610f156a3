package dev.warden.agent;

import dev.warden.testing.ServiceLayout;
import org.junit.jupiter.api.Test;

/** The template's layout rules on this service's classes (docs/architecture.md, "Layout"). */
class LayoutTest {

    @Test
    void followsTheTemplatesLayout() {
        ServiceLayout.check("dev.warden.agent");
    }
}
