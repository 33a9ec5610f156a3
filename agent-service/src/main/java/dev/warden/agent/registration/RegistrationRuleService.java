package dev.warden.agent.registration;

import dev.warden.agent.lifecycle.Agent;
import dev.warden.agent.registration.RegistrationWire.CreateRuleRequest;
import dev.warden.agent.registration.RegistrationWire.RuleListResponse;
import dev.warden.agent.registration.RegistrationWire.RuleResponse;
import dev.warden.api.ApiException;
import dev.warden.api.PageRequest;
import dev.warden.events.EventTypes;
import dev.warden.events.agent.AgentEvents.RegistrationRuleChanged;
import dev.warden.events.agent.AgentType;
import dev.warden.outbox.Outbox;
import dev.warden.tenancy.db.SqlErrors;
import dev.warden.tenancy.db.TenantDb;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.UUID;

/** An organization's auto-approval rules: created and deleted by its admins, each change an event. */
@ApplicationScoped
public class RegistrationRuleService {

    private final TenantDb db;
    private final RegistrationRuleRepository rules;
    private final Outbox outbox;

    public RegistrationRuleService(TenantDb db, RegistrationRuleRepository rules, Outbox outbox) {
        this.db = db;
        this.rules = rules;
        this.outbox = outbox;
    }

    public Uni<RuleResponse> create(UUID org, String actor, CreateRuleRequest req, AgentType agentType) {
        RegistrationRule rule = new RegistrationRule();
        rule.id = UUID.randomUUID();
        rule.orgId = org;
        rule.name = req.name();
        rule.capabilities = List.copyOf(req.capabilities());
        rule.agentType = agentType;
        rule.maxRiskScore = req.maxRiskScore();
        rule.createdAt = Agent.now();
        rule.createdBy = actor;
        return db.inOrg(org, conn -> rules.lockAndCount(conn)
                .chain(count -> {
                    if (count >= RegistrationRuleRepository.MAX_RULES) {
                        throw ApiException.conflict("An organization has at most " + RegistrationRuleRepository.MAX_RULES
                                + " auto-approval rules; delete one first");
                    }
                    return rules.nameTaken(conn, rule.name);
                })
                .chain(taken -> {
                    if (taken) {
                        throw ApiException.conflict("A rule named " + rule.name + " exists already");
                    }
                    return rules.insert(conn, rule);
                })
                .chain(() -> outbox.emit(conn, org, EventTypes.REGISTRATION_RULE_CREATED, rule.id.toString(),
                        new RegistrationRuleChanged(rule.event(), actor)))
                .replaceWith(RuleResponse.of(rule)))
                // The name is checked under the lock; the index stays the last word
                .onFailure(SqlErrors::uniqueViolation)
                .transform(e -> ApiException.conflict("A rule named " + rule.name + " exists already"));
    }

    public Uni<RuleListResponse> list(UUID org, PageRequest page) {
        return db.inOrg(org, conn -> rules.list(conn, page)).map(found -> new RuleListResponse(
                found.items().stream().map(RuleResponse::of).toList(),
                found.nextCursor(r -> PageRequest.Cursor.at(r.createdAt, r.id))));
    }

    public Uni<RuleResponse> get(UUID org, UUID id) {
        return db.inOrg(org, conn -> rules.find(conn, id))
                .map(rule -> RuleResponse.of(ApiException.found(rule, "Registration rule")));
    }

    public Uni<Void> delete(UUID org, String actor, UUID id) {
        return db.inOrg(org, conn -> rules.delete(conn, id).map(rule -> ApiException.found(rule, "Registration rule"))
                .chain(rule -> outbox.emit(conn, org, EventTypes.REGISTRATION_RULE_DELETED, rule.id.toString(),
                        new RegistrationRuleChanged(rule.event(), actor)).replaceWithVoid()));
    }
}
