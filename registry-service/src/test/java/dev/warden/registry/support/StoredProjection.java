package dev.warden.registry.support;

import dev.warden.registry.projection.RegistryProjector;
import dev.warden.testing.LocalKafka;
import dev.warden.testing.LocalPostgres;
import dev.warden.testing.WardenInfra;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The projection as PostgreSQL holds it, read as the superuser (past Row-Level Security: every organization's rows),
 * and the consumer group's position as the broker holds it.
 */
public final class StoredProjection {

    private static final String DATABASE = "warden_registry_test";
    /**
     * The tables of the rebuild itself, not of the projection, and the counter seed 002's ids are drawn from, which
     * goes on across a rebuild so that an id once shown never names another agent.
     */
    private static final List<String> CONTROL = List.of("registry_projection", "registry_rebuilds", "registry_agent_numbers");
    /** The one column a rebuild changes: seed 002's integer id is the projection's own numbering. */
    public static final String RENUMBERED = "seq";
    /** When the database wrote the row (updated_since): a rebuild writes every row anew, so it is no fact of history. */
    public static final String WRITTEN = "changed_at";

    private StoredProjection() {
    }

    /** Every table of the projection. */
    public static List<String> tables() {
        return query("""
                SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'registry\\_%'
                ORDER BY tablename""").stream().filter(t -> !CONTROL.contains(t)).toList();
    }

    /**
     * Each table's rows but those of the organizations {@code leftOut}, as JSON (keys sorted by PostgreSQL's jsonb) without
     * {@link #RENUMBERED} and {@link #WRITTEN}, in a stable order: two snapshots are equal when the projections hold the same facts.
     */
    public static Map<String, List<String>> snapshot(Collection<UUID> leftOut) {
        String excluded = leftOut.isEmpty() ? "" : " WHERE org_id NOT IN ("
                + String.join(", ", leftOut.stream().map(id -> "'" + id + "'").toList()) + ")";
        Map<String, List<String>> tables = new TreeMap<>();
        for (String table : tables()) {
            tables.put(table, query("SELECT (to_jsonb(t) - '" + RENUMBERED + "' - '" + WRITTEN + "')::text FROM " + table + " t"
                    + excluded + " ORDER BY 1"));
        }
        return tables;
    }

    /**
     * A superuser's connection, open before it is needed, that {@link Hold#now()} makes hold the lock of the fence every
     * transaction applying events passes (registry_fence): from then until closed nothing is applied, and reads go on.
     * Taken right after a rebuild started, before its consumer could join the group, it keeps the rebuild running.
     */
    public static Hold hold() {
        LocalPostgres pg = WardenInfra.postgres();
        try {
            return new Hold(DriverManager.getConnection(pg.jdbcUrl(DATABASE), pg.superUser(), pg.superPassword()));
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    public record Hold(Connection connection) implements AutoCloseable {

        public Hold now() throws SQLException {
            try (Statement s = connection.createStatement()) {
                s.execute("SELECT pg_advisory_lock(7301, 1)");
            }
            return this;
        }

        @Override
        public void close() throws SQLException {
            connection.close();
        }
    }

    /** The projection's generation: how many rebuilds it has had. */
    public static long generation() {
        return Long.parseLong(query("SELECT generation FROM registry_projection").getFirst());
    }

    /**
     * Runs {@code sql} as the superuser, outside this service, as another replica or an operator changes the
     * projection: the first column of each row it answers.
     */
    public static List<String> asSuperuser(String sql) {
        return query(sql);
    }

    /** The source of a function of the schema. */
    public static String function(String name) {
        return String.join("", query("SELECT prosrc FROM pg_proc WHERE proname = '" + name + "'"));
    }

    /** Waits until the group has committed every record now on the consumed topics: the projection has applied them. */
    public static void awaitApplied(Duration atMost) {
        try (Admin admin = Admin.create(LocalKafka.clientConfig(WardenInfra.kafkaBootstrapServers(), Map.of()))) {
            Map<TopicPartition, Long> ends = ends(admin);
            Awaitility.await().atMost(atMost).pollInterval(Duration.ofMillis(200)).until(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(RegistryProjector.GROUP)
                        .partitionsToOffsetAndMetadata().get();
                return ends.entrySet().stream().allMatch(e -> e.getValue() == 0
                        || committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue());
            });
        }
    }

    private static Map<TopicPartition, Long> ends(Admin admin) {
        try {
            List<String> topics = new ArrayList<>(admin.listTopics().names().get());
            topics.retainAll(RegistryProjector.TOPICS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            admin.describeTopics(topics).allTopicNames().get().values().forEach(d -> d.partitions()
                    .forEach(p -> latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest())));
            Map<TopicPartition, Long> ends = new HashMap<>();
            admin.listOffsets(latest).all().get().forEach((p, info) -> ends.put(p, info.offset()));
            return ends;
        } catch (Exception e) {
            throw new IllegalStateException("could not read the end offsets of the consumed topics", e);
        }
    }

    private static List<String> query(String sql) {
        LocalPostgres pg = WardenInfra.postgres();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(DATABASE), pg.superUser(), pg.superPassword());
             Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(sql + ": " + e.getMessage(), e);
        }
    }
}
