package dev.warden.fleet.policy;

import dev.warden.api.ApiException;
import dev.warden.api.PageRequest;
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
     * A page of the policies of the instance's agent at its current policy version; 404 unless a live instance of the
     * org. {@code after}: the cursor of the page before (null for the first), which carries the version its pages are
     * at: a change since is a 409, so that the pages of one fetch are all of one version. {@code byTheInstance}: the
     * instance's own credential asked, so its last page counts as the instance having them (a client of seed 003
     * alone, which reports no version in its heartbeats, sees pendingPolicies fall to 0); a viewer's read changes nothing.
     */
    public Uni<AgentPolicies> fetch(UUID org, String instanceId, boolean byTheInstance, PageRequest.Cursor after) {
        return db.inOrg(org, conn -> policies.ofInstance(conn, instanceId, after == null ? null : after.id())
                .chain(found -> {
                    AgentPolicies answer = found.orElseThrow(() -> ApiException.notFound("Agent"));
                    if (after != null && after.version() != answer.version()) {
                        throw ApiException.conflict("The agent's policies changed since the first page (now v"
                                + answer.version() + "): fetch them again from the first page, without cursor");
                    }
                    return byTheInstance && !answer.more() && answer.version() > 0
                            ? policies.fetched(conn, instanceId, answer.version()).replaceWith(answer)
                            : Uni.createFrom().item(answer);
                }));
    }
}
