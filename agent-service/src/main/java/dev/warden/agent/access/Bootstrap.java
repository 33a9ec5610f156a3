package dev.warden.agent.access;

import dev.warden.tenancy.StartupOrder;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.config.ConfigMapping;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Optional;

/** Gives a fresh installation its first organization and admin key when both are configured. */
@ApplicationScoped
public class Bootstrap {

    private static final Logger LOG = Logger.getLogger(Bootstrap.class);

    private final AccessService access;
    private final Config config;

    public Bootstrap(AccessService access, Config config) {
        this.access = access;
        this.config = config;
    }

    void onStart(@Observes @Priority(StartupOrder.BOOTSTRAP) StartupEvent event) {
        if (config.orgName().isPresent() && config.adminApiKey().isPresent()) {
            String unusable = access.ensureBootstrap(config.orgName().get(), config.adminApiKey().get())
                    .await().atMost(Duration.ofSeconds(30));
            if (unusable == null) {
                LOG.infof("Bootstrap organization %s is ready", config.orgName().get());
            } else {
                LOG.warnf("Bootstrap organization %s: the bootstrap admin key (WARDEN_BOOTSTRAP_API_KEY) opens nothing: %s."
                        + " The bootstrap does not undo that: give a new secret for a new admin key, or enable the organization", config.orgName().get(), unusable);
            }
        }
    }

    @ConfigMapping(prefix = "warden.bootstrap")
    public interface Config {

        Optional<String> orgName();

        /** The secret of the first admin key; from the environment only (WARDEN_BOOTSTRAP_API_KEY). */
        Optional<String> adminApiKey();
    }
}
