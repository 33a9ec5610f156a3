package dev.warden.runner.agent;

import dev.warden.events.Topics;
import dev.warden.outbox.StartupJob;
import dev.warden.runner.agent.AgentRepository.DeployedVersion;
import dev.warden.tenancy.db.TenantDb;
import dev.warden.tenancy.kafka.KafkaClients;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The configs of versions deployed before runner-service kept them (its V4), read again from
 * {@code warden.agents.v1}, which keeps every event: after an upgrade, an agent's older versions then run with their
 * config, rather than being refused (409) until deployed again. A leader job done {@linkplain dev.warden.outbox.LeaderJob#once() once
 * per process}, one replica at a time, which reads the topic only when some agent's current version has no recorded
 * deploy (after the first replica's round, the others find none, unless a deploy is not on the topic any more); a round
 * that fails is tried again. It reads the records as the projection does ({@link AgentProjection#read}), and its
 * writes are the projection's own ({@link AgentRepository#keepVersions}: a version already kept stays as it is).
 */
@Singleton // not a client proxy: StartupJob has no no-args constructor
public class VersionConfigBackfill extends StartupJob {

    private static final Logger LOG = Logger.getLogger(VersionConfigBackfill.class);
    private static final long LOCK_ID = 0x5741524456L; // "WARDV"
    private static final Duration MOST_A_WRITE_TAKES = Duration.ofMinutes(1);

    private final KafkaClients kafka;
    private final TenantDb db;
    private final AgentRepository agents;

    public VersionConfigBackfill(KafkaClients kafka, TenantDb db, AgentRepository agents) {
        super("runner-version-configs", LOCK_ID);
        this.kafka = kafka;
        this.db = db;
        this.agents = agents;
    }

    @Override
    protected void run() {
        long unrecorded = unrecorded();
        if (unrecorded > 0) {
            LOG.infof("%d agents' current version has no recorded config (deployed before runner-service kept "
                    + "them); reading %s again for them", unrecorded, Topics.AGENTS);
            int read = replay();
            LOG.infof("Read %d deploys again from %s; %d agents' current version still has no recorded config",
                    read, Topics.AGENTS, unrecorded());
        }
    }

    private long unrecorded() {
        return db.asPlatform(agents::versionsUnrecorded).await().atMost(MOST_A_WRITE_TAKES);
    }

    /** Reads the topic from its start to its end as of now, keeping every deployed version's config; answers how many. */
    int replay() {
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(kafka.config(Map.of(
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false)))) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.AGENTS, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            int read = 0;
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                for (Map.Entry<UUID, AgentProjection.OrgAgents> org
                        : AgentProjection.readable(consumer.poll(Duration.ofSeconds(1))).entrySet()) {
                    List<DeployedVersion> versions = org.getValue().versions;
                    db.inOrg(org.getKey(), conn -> agents.keepVersions(conn, org.getKey(), versions))
                            .await().atMost(MOST_A_WRITE_TAKES);
                    read += versions.size();
                }
            }
            return read;
        }
    }
}
