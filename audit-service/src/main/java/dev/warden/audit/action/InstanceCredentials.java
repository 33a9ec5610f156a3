package dev.warden.audit.action;

import com.fasterxml.jackson.databind.JsonNode;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.events.fleet.FleetEvents;
import dev.warden.outbox.EventConsumers;
import dev.warden.outbox.OrgBatches;
import dev.warden.tenancy.StartupOrder;
import dev.warden.tenancy.db.TenantDb;
import dev.warden.tenancy.security.AccessDirectory;
import dev.warden.tenancy.security.ApiKeys;
import dev.warden.tenancy.security.Identities;
import dev.warden.tenancy.security.LocalCredentials;
import dev.warden.tenancy.security.Roles;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * Fleet instances' credentials, as audit-service learns API keys: from events. fleet-service's registered event
 * carries the SHA-256 of the new instance's credential and its agent; its deregistered event revokes it. An instance
 * then authenticates here with {@code Authorization: Bearer wfi_...} (warden-tenancy's {@link LocalCredentials}) as
 * role {@code instance} of its organization, bound to its agent: it may report actions for that agent only.
 */
@ApplicationScoped
public class InstanceCredentials implements LocalCredentials {

    static final String GROUP = "audit-service-instances";

    private final TenantDb db;
    private final AccessDirectory directory;
    private final OrgBatches batches;
    private final InstanceCredentialRepository credentials;

    public InstanceCredentials(TenantDb db, AccessDirectory directory, OrgBatches batches,
                               InstanceCredentialRepository credentials) {
        this.db = db;
        this.credentials = credentials;
        this.directory = directory;
        this.batches = batches;
    }

    void onStart(@Observes @Priority(StartupOrder.CONSUMERS) StartupEvent event, EventConsumers consumers) {
        consumers.start(GROUP, List.of(Topics.FLEET), this::learn);
    }

    @Override
    public boolean recognizes(String secret) {
        return secret.startsWith(FleetEvents.CREDENTIAL_PREFIX);
    }

    @Override
    public Uni<SecurityIdentity> authenticate(String secret) {
        return db.asPlatform(conn -> credentials.find(conn, ApiKeys.sha256(secret))).map(holder -> {
            if (holder == null) {
                throw new AuthenticationFailedException("unknown instance credential");
            }
            if (!directory.organizationActive(holder.org())) {
                throw new AuthenticationFailedException("organization disabled");
            }
            QuarkusSecurityIdentity.Builder b = QuarkusSecurityIdentity.builder(Identities.of(
                    () -> Identities.instancePrincipal(holder.instance()), Set.of(Roles.INSTANCE), holder.org(), "instance-credential", null));
            // No agent: bound to none, so it may report for none.
            b.addAttribute(Identities.AGENT_ATTRIBUTE, holder.agent() != null ? holder.agent() : new UUID(0, 0));
            return b.build();
        });
    }

    /**
     * Registered: a credential to accept; deregistered: to refuse from now on ({@link OrgBatches}: each
     * organization's changes in their order, in one transaction). Idempotent: the same state again.
     */
    Uni<Void> learn(List<ConsumerRecord<String, String>> records) {
        return batches.apply(records, ArrayList::new, this::change,
                (org, changes) -> db.inOrg(org, conn -> {
                    Uni<Void> done = Uni.createFrom().voidItem();
                    for (Function<SqlConnection, Uni<Void>> change : changes) {
                        done = done.chain(() -> change.apply(conn));
                    }
                    return done;
                }));
    }

    /** What one fleet event changes, read whole before anything is applied; other events change nothing. */
    private void change(CloudEvent event, List<Function<SqlConnection, Uni<Void>>> changes) {
        JsonNode data = event.data();
        String instance = data.at("/instance/id").asText(null);
        if (EventTypes.FLEET_INSTANCE_REGISTERED.equals(event.type()) && data.path("credential_sha256").isTextual()) {
            String sha256 = data.path("credential_sha256").asText();
            UUID agent = data.at("/instance/agent_id").isTextual() ? UUID.fromString(data.at("/instance/agent_id").asText()) : null;
            changes.add(conn -> credentials.insert(conn, sha256, event.orgid(), instance, agent));
        } else if (EventTypes.FLEET_INSTANCE_DEREGISTERED.equals(event.type()) && instance != null) {
            changes.add(conn -> credentials.revoke(conn, instance));
        }
    }
}
