package dev.warden.events;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What each service's Kafka principal may do: DESIGN.md's table of produced and consumed topics, as the ACLs the
 * broker enforces. A service writes (and may create) only the topics it owns and the dead-letter topics of what it
 * consumes, reads only what it consumes, and commits offsets only for consumer groups named after itself. Every
 * service reads {@link Topics#ACCESS} (API keys are checked locally); only agent-service writes it. The launcher, the
 * test infrastructure and the Kubernetes manifests all grant from this one list.
 */
public record KafkaAccess(String principal, Set<String> writes, Set<String> reads, String groupPrefix) {

    public static final KafkaAccess AGENT_SERVICE = of("agent-service", List.of(Topics.AGENTS, Topics.ACCESS), List.of());
    /**
     * audit-service also publishes the agent actions reported to its API, then records them like any event; it records
     * the access topic's changes too, so it consumes that topic as a group (and dead-letters what it cannot parse).
     */
    public static final KafkaAccess AUDIT_SERVICE = of("audit-service", List.of(Topics.AUDIT, Topics.AGENT_ACTIONS),
            List.of(Topics.AGENTS, Topics.FLEET, Topics.EXECUTIONS, Topics.AGENT_ACTIONS, Topics.ACCESS));

    public static final KafkaAccess RUNNER_SERVICE = of("runner-service", List.of(Topics.EXECUTIONS), List.of(Topics.AGENTS));
    /** fleet-service projects agents (known ids, policy changes) and drift events (recent threats). */
    public static final KafkaAccess FLEET_SERVICE = of("fleet-service", List.of(Topics.FLEET),
            List.of(Topics.AGENTS, Topics.AUDIT));
    /** registry-service owns no topic: it only reads, into its projection. */
    public static final KafkaAccess REGISTRY_SERVICE = of("registry-service", List.of(),
            List.of(Topics.AGENTS, Topics.FLEET, Topics.EXECUTIONS, Topics.AUDIT));

    public static final List<KafkaAccess> SERVICES = List.of(AGENT_SERVICE, AUDIT_SERVICE, RUNNER_SERVICE, FLEET_SERVICE,
            REGISTRY_SERVICE);

    /**
     * The principal an operator gives an outside consumer of {@link Topics#AUDIT} (a SIEM, an archive): it reads that
     * topic only, in consumer groups whose names start with {@code audit-reader}, and writes nothing. Not the access
     * topic (API keys' hashes) nor any service's topic. The topic holds every organization's entries: it is the
     * platform operator's feed, not a tenant's (docs/audit-topic-consumer.md).
     */
    public static final KafkaAccess AUDIT_READER = new KafkaAccess("audit-reader", Set.of(), Set.of(Topics.AUDIT),
            "audit-reader");

    /** The principals of consumers outside Warden, made beside the services' by the launcher and the manifests. */
    public static final List<KafkaAccess> OUTSIDE = List.of(AUDIT_READER);

    /** {@code owns} to write, {@code consumes} as a group (with their dead-letter topics), and the access topic. */
    private static KafkaAccess of(String service, List<String> owns, List<String> consumes) {
        Set<String> writes = new LinkedHashSet<>(owns);
        consumes.forEach(topic -> writes.add(Topics.deadLetter(topic)));
        Set<String> reads = new LinkedHashSet<>(consumes);
        reads.add(Topics.ACCESS);
        return new KafkaAccess(service, Set.copyOf(writes), Set.copyOf(reads), service);
    }

    public static Optional<KafkaAccess> forService(String service) {
        return SERVICES.stream().filter(a -> a.principal().equals(service)).findFirst();
    }
}
