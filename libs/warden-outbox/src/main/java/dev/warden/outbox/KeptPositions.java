package dev.warden.outbox;

import dev.warden.tenancy.db.TenantDb;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A recording consumer's positions, kept in the service's own database ({@code warden_consumer_positions}) beside what
 * it applied, as well as on the broker. Consumer groups keep their offsets on the broker: after a service's database
 * was restored to an earlier point, its consumer went on after what the broker said it had applied, and what the
 * restore took away never came again (a user trial: audit entries of the agents deployed, suspended and created after
 * the restore point were gone from the chain for good). A loop started with these positions
 * ({@link EventConsumers#startRecording}) applies again, from the position its database holds, every partition whose
 * broker offset is ahead of it; its handler skips what it has by event id. Only for a consumer that records history:
 * a projection that mirrors another service's state should follow that service's restore instead (docs/deploy.md,
 * "Restoring a backup"). Blocking calls, made on the loop's own thread.
 */
@ApplicationScoped
public class KeptPositions {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final TenantDb db;

    public KeptPositions(TenantDb db) {
        this.db = db;
    }

    /** The next offset to apply of each of {@code partitions} the database holds for {@code group}; absent: none kept. */
    Map<TopicPartition, Long> kept(String group, Collection<TopicPartition> partitions) {
        List<String> topics = partitions.stream().map(TopicPartition::topic).distinct().toList();
        Map<TopicPartition, Long> kept = new HashMap<>();
        db.asPlatform(conn -> conn.preparedQuery("SELECT topic, partition, next_offset FROM warden_consumer_positions "
                        + "WHERE group_id = $1 AND topic = ANY($2)")
                .execute(Tuple.of(group, topics.toArray(String[]::new))))
                .await().atMost(WAIT)
                .forEach((Row row) -> {
                    TopicPartition p = new TopicPartition(row.getString("topic"), row.getInteger("partition"));
                    if (partitions.contains(p)) {
                        kept.put(p, row.getLong("next_offset"));
                    }
                });
        return kept;
    }

    /**
     * Keeps {@code next} (the next offset to apply of each partition) once the records before them are applied. A
     * position only moves forward: a member that lost a partition to another in a rebalance and finishes its batch late
     * does not take it back.
     */
    void keep(String group, Map<TopicPartition, Long> next) {
        List<Tuple> rows = new ArrayList<>();
        next.forEach((p, offset) -> rows.add(Tuple.of(group, p.topic(), p.partition(), offset)));
        db.asPlatform(conn -> conn.preparedQuery("""
                        INSERT INTO warden_consumer_positions (group_id, topic, partition, next_offset) VALUES ($1, $2, $3, $4)
                        ON CONFLICT (group_id, topic, partition) DO UPDATE
                        SET next_offset = greatest(warden_consumer_positions.next_offset, excluded.next_offset), updated_at = now()""")
                .executeBatch(rows))
                .await().atMost(WAIT);
    }
}
