package dev.warden.agent.secrets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.agent.secrets.StoredSecretsRepository.StoredConfig;
import dev.warden.api.Checks;
import dev.warden.api.ErrorResponse.FieldError;
import dev.warden.outbox.StartupJob;
import dev.warden.tenancy.db.TenantDb;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Configs stored before Warden refused secrets in them, or checked by an older revision of the rules
 * ({@link Checks#SECRET_RULES_REVISION}), checked again: a secret there has been stored, published on
 * {@code warden.agents.v1} (which keeps every event) and shown to viewers, so each one found is a WARNING naming the
 * organization, agent, version or connector and field (never the value), for the secret to be rotated, and counts in
 * {@code warden_stored_config_secrets_total}. The config stays as stored: a version is what was deployed. A leader job
 * done once per process; a config is checked once per revision.
 */
@Singleton // not a client proxy: StartupJob has no no-args constructor
public class StoredSecrets extends StartupJob {

    private static final Logger LOG = Logger.getLogger(StoredSecrets.class);
    private static final long LOCK_ID = 0x574152444BL; // "WARDK"
    private static final int BATCH = 500;
    private static final Duration MOST_A_BATCH_TAKES = Duration.ofMinutes(1);

    private final TenantDb db;
    private final StoredSecretsRepository configs;
    private final ObjectMapper json;
    private final Counter found;

    public StoredSecrets(TenantDb db, StoredSecretsRepository configs, ObjectMapper json, MeterRegistry registry) {
        super("stored-config-secrets", LOCK_ID);
        this.db = db;
        this.configs = configs;
        this.json = json;
        this.found = Counter.builder("warden.stored.config.secrets").description(
                "Secrets found in configs stored before they were refused (or by older rules): each to be rotated")
                .register(registry);
    }

    @Override
    protected void run() {
        List<String> secrets = check();
        if (!secrets.isEmpty()) {
            LOG.warnf("%d stored configs hold what looks like a secret (stored before Warden refused them, or by "
                    + "older rules); each has been published on warden.agents.v1 and shown to viewers: rotate it", secrets.size());
        }
    }

    /** Checks every config below the current revision; answers one line per config holding a secret. */
    List<String> check() {
        int revision = Checks.SECRET_RULES_REVISION;
        List<String> secrets = new ArrayList<>();
        Set<UUID> seen = new HashSet<>();
        List<StoredConfig> batch;
        do {
            batch = db.asPlatform(conn -> configs.unchecked(conn, revision, BATCH)).await().atMost(MOST_A_BATCH_TAKES);
            if (!batch.isEmpty() && batch.stream().noneMatch(stored -> seen.add(stored.id()))) {
                throw new IllegalStateException("the configs checked were not recorded as checked");
            }
            Map<UUID, List<StoredConfig>> byOrg = new LinkedHashMap<>();
            for (StoredConfig stored : batch) {
                List<FieldError> held = secretsIn(stored);
                if (!held.isEmpty()) {
                    String line = describe(stored, held);
                    LOG.warn(line);
                    found.increment();
                    secrets.add(line);
                }
                byOrg.computeIfAbsent(stored.orgId(), o -> new ArrayList<>()).add(stored);
            }
            for (Map.Entry<UUID, List<StoredConfig>> org : byOrg.entrySet()) {
                db.inOrg(org.getKey(), conn -> configs.checked(conn, org.getValue(), revision)).await().atMost(MOST_A_BATCH_TAKES);
            }
        } while (!batch.isEmpty());
        return secrets;
    }

    private List<FieldError> secretsIn(StoredConfig stored) {
        try {
            return new Checks().noSecrets("config", json.readTree(stored.config())).errors();
        } catch (JsonProcessingException e) {
            return List.of(); // stored by PostgreSQL as JSON: not reached
        }
    }

    private static String describe(StoredConfig stored, List<FieldError> held) {
        String where = stored.version() != null ? "version " + stored.version()
                : "connector binding " + stored.id() + " (" + stored.connector() + ")";
        return "Organization " + stored.orgId() + ", agent " + stored.agentId() + ", " + where + ": "
                + String.join(", ", held.stream().map(FieldError::field).toList())
                + " looks like a secret; rotate it (it was published on warden.agents.v1) and keep a reference instead";
    }
}
