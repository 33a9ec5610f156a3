package dev.warden.fleet.policy;

import dev.warden.api.ApiException;
import dev.warden.fleet.policy.PolicyRepository.AgentPolicies;
import dev.warden.tenancy.db.TenantDb;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.UUID;

/** An instance's fetch of its agent's policies. */
@ApplicationScoped
public class PolicyService {

    private final TenantDb db;
    private final PolicyRepository policies;

    public PolicyService(TenantDb db, PolicyRepository policies) {
        this.db = db;
        this.policies = policies;
    }

    /**
     * The policies of the instance's agent at its current policy version; 404 unless a live instance of the org.
     * {@code byTheInstance}: the instance's own credential asked, so the fetch counts as the instance having them (a
     * client of seed 003 alone, which reports no version in its heartbeats, sees pendingPolicies fall to 0); an
     * operator's read changes nothing.
     */
    public Uni<AgentPolicies> fetch(UUID org, String instanceId, boolean byTheInstance) {
        return db.inOrg(org, conn -> policies.ofInstance(conn, instanceId).chain(found -> {
            AgentPolicies answer = found.orElseThrow(() -> ApiException.notFound("Agent"));
            return byTheInstance && answer.version() > 0
                    ? policies.fetched(conn, instanceId, answer.version()).replaceWith(answer)
                    : Uni.createFrom().item(answer);
        }));
    }
}
