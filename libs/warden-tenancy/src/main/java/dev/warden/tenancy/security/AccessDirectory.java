package dev.warden.tenancy.security;

import dev.warden.api.CallerContext;
import dev.warden.api.UnavailableException;
import dev.warden.tenancy.kafka.KafkaClients;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import dev.warden.events.CloudEvent;
import dev.warden.events.EventJson;
import dev.warden.events.EventTypes;
import dev.warden.events.Topics;
import dev.warden.events.access.AccessEvents.ApiKey;
import dev.warden.events.access.AccessEvents.Organization;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * Every organization and API key, read from the compacted {@code warden.access.v1} topic from its beginning by each
 * service instance. Keys are checked here, in memory, so no request waits on another service, and a revocation
 * reaches every service as soon as its event does.
 */
@ApplicationScoped
public class AccessDirectory {

    private static final Logger LOG = Logger.getLogger(AccessDirectory.class);

    private final KafkaClients kafka;
    private final Map<UUID, ApiKey> keysById = new ConcurrentHashMap<>();
    private final Map<String, ApiKey> keysByHash = new ConcurrentHashMap<>();
    private final Map<UUID, Organization> orgs = new ConcurrentHashMap<>();
    /** Requests waiting for the directory to show a change ({@link #reflects}), checked after each record applied. */
    private final List<Waiter> waiters = new CopyOnWriteArrayList<>();
    /** How far the reader has come on each partition of the topic: the offset of the next record it will read. */
    private final Map<TopicPartition, Long> read = new ConcurrentHashMap<>();
    /** Asks the broker for the topic's end offsets ({@link #current}); opened at first use. */
    private Admin admin;
    private final Object endsLock = new Object();
    /** The end offsets callers wait for that are not asked yet ({@link #endOffsets}); under {@link #endsLock}. */
    private CompletableFuture<Map<TopicPartition, Long>> nextEnds;
    private boolean endsInFlight;
    private volatile boolean caughtUp;
    private volatile KafkaConsumer<String, String> consumer;
    private volatile boolean running;
    private Thread thread;

    /**
     * Records of the topic this instance could not read: each is a key's or an organization's change it does not know
     * (a revocation among them), so an alert goes by it (deploy/k8s/monitoring).
     */
    private final Counter skipped;

    public AccessDirectory(KafkaClients kafka, MeterRegistry meters) {
        this.kafka = kafka;
        this.skipped = Counter.builder("warden.access.records.skipped")
                .description("Records of warden.access.v1 this instance could not read and skipped: API key and "
                        + "organization changes it does not know")
                .register(meters);
    }

    void start(@Observes StartupEvent event) {
        running = true;
        thread = Thread.ofPlatform().name("warden-access-directory").daemon().start(this::run);
    }

    void stop(@Observes ShutdownEvent event) {
        running = false;
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        synchronized (this) {
            if (admin != null) {
                admin.close(Duration.ofSeconds(5));
                admin = null;
            }
        }
    }

    /**
     * The key whose secret has this SHA-256 ({@link ApiKeys#sha256}), if it is known, unrevoked, unexpired and its
     * organization is active.
     */
    public Optional<ApiKey> usableKey(String secretSha256) {
        ApiKey key = keysByHash.get(secretSha256);
        if (key == null || !key.usableAt(Instant.now())) {
            return Optional.empty();
        }
        return organizationActive(key.orgId()) ? Optional.of(key) : Optional.empty();
    }

    /** The key with this id, if it is known, unrevoked, unexpired and its organization is active. */
    public Optional<ApiKey> usableKeyById(UUID id) {
        ApiKey key = keysById.get(id);
        return key == null ? Optional.empty() : usableKey(key.secretSha256());
    }

    /** The key with this id as last published, usable or not. */
    public Optional<ApiKey> knownKey(UUID id) {
        return Optional.ofNullable(keysById.get(id));
    }

    /** Every key as last published, usable or not: a copy, for a comparison with what agent-service stores. */
    public List<ApiKey> keys() {
        return List.copyOf(keysById.values());
    }

    /** Every organization as last published: a copy. */
    public List<Organization> organizations() {
        return List.copyOf(orgs.values());
    }

    public Optional<Organization> organization(UUID id) {
        return Optional.ofNullable(orgs.get(id));
    }

    /** Whether this directory shows the organization, and shows it active. */
    public boolean organizationActive(UUID id) {
        Organization org = orgs.get(id);
        return org != null && org.active();
    }

    /**
     * Completes once {@code condition} holds of this directory (at once if it does now), on the caller's context; fails
     * with a 503 after {@code timeout}. How a change of access is answered only once this service enforces it: the
     * directory reads the topic from the broker, so what it shows is also on its way to every other service.
     */
    public Uni<Void> reflects(BooleanSupplier condition, Duration timeout) {
        Uni<Void> seen = Uni.createFrom().emitter(emitter -> {
            Waiter waiter = new Waiter(condition, emitter);
            waiters.add(waiter);
            emitter.onTermination(() -> waiters.remove(waiter));
            waiter.check(); // a record applied between the caller's change and the registration is seen here
        });
        return CallerContext.resumed(seen).ifNoItem().after(timeout)
                .failWith(() -> new UnavailableException("access directory", null, UnavailableException.COMMITTED));
    }

    private record Waiter(BooleanSupplier condition, UniEmitter<? super Void> emitter) {
        void check() {
            if (condition.getAsBoolean()) {
                emitter.complete(null);
            }
        }
    }

    /**
     * Completes once this directory has read everything the access topic held when this was called (its end offsets,
     * asked of the broker), on the caller's context; fails with a 503 after {@code timeout} or when the broker cannot
     * say. For a check that must see every access change answered before it (a revocation's {@code 200}, a new key's
     * {@code 201}), not only those that have reached this service: agent-service answers those once they are on the
     * broker ({@link #reflects}), so a directory current in this sense knows of them.
     */
    public Uni<Void> current(Duration timeout) {
        // Looked at as each subscriber asks, not once: agent-service's reconciliation at start asks again until the
        // reader has begun, and a failure made once would be the answer to every asking (an upgrade trial's restore
        // was never reconciled)
        return Uni.createFrom().deferred(() -> currentNow(timeout));
    }

    private Uni<Void> currentNow(Duration timeout) {
        if (read.isEmpty()) {
            return Uni.createFrom().failure(new UnavailableException("access directory", null));
        }
        Uni<Void> caughtUpNow = Uni.createFrom().completionStage(this::endOffsets)
                .chain(ends -> reflects(() -> ends.entrySet().stream()
                        .allMatch(e -> read.getOrDefault(e.getKey(), 0L) >= e.getValue()), timeout));
        // Resumed last, so that the timeout's failure (on a timer thread) reaches the caller's context too
        return CallerContext.resumed(caughtUpNow.ifNoItem().after(timeout)
                .failWith(() -> new UnavailableException("access directory", null))
                .onFailure(e -> !(e instanceof UnavailableException))
                .transform(e -> new UnavailableException("access directory", e)));
    }

    /**
     * Whether the key with this SHA-256 is usable, or may become usable once this directory is {@link #current}: it is
     * not known (created a moment ago), or its organization is not active (enabled a moment ago). False only for a key
     * known revoked or expired, which never becomes usable again. A usable key counts: the reader may have applied it
     * between the caller's own lookup and this one.
     */
    public boolean mayBeUsable(String secretSha256) {
        ApiKey key = keysByHash.get(secretSha256);
        return key == null || key.usableAt(Instant.now());
    }

    /**
     * The topic's end offsets as the broker reports them after this call. One request is in flight at a time: callers
     * arriving while one is share the next, sent when it returns (not the one in flight, which may have been asked
     * before their change), so any number of waiting requests costs the broker one round trip after another.
     */
    private CompletableFuture<Map<TopicPartition, Long>> endOffsets() {
        synchronized (endsLock) {
            if (nextEnds == null) {
                nextEnds = new CompletableFuture<>();
            }
            CompletableFuture<Map<TopicPartition, Long>> mine = nextEnds;
            if (!endsInFlight) {
                askEnds();
            }
            return mine;
        }
    }

    /** Sends {@link #nextEnds}' request; under {@link #endsLock}. */
    private void askEnds() {
        CompletableFuture<Map<TopicPartition, Long>> batch = nextEnds;
        nextEnds = null;
        endsInFlight = true;
        Map<TopicPartition, OffsetSpec> latest = read.keySet().stream()
                .collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest()));
        KafkaFuture<Map<TopicPartition, ListOffsetsResultInfo>> asked;
        try {
            asked = admin().listOffsets(latest).all();
        } catch (RuntimeException e) { // the client closed (shutting down)
            endsInFlight = false;
            batch.completeExceptionally(e);
            return;
        }
        asked.whenComplete((ends, failure) -> {
            if (failure != null) {
                batch.completeExceptionally(failure);
            } else {
                batch.complete(ends.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset())));
            }
            synchronized (endsLock) {
                endsInFlight = false;
                if (nextEnds != null) {
                    askEnds();
                }
            }
        });
    }

    private synchronized Admin admin() {
        if (admin == null) {
            admin = Admin.create(kafka.config(Map.of()));
        }
        return admin;
    }

    /** True once everything on the topic when the service started has been read. */
    public boolean caughtUp() {
        return caughtUp;
    }

    /** Applies one record of the topic; also the way tests feed it. */
    void apply(String key, String value) {
        try {
            record(key, value);
        } finally {
            if (!waiters.isEmpty()) {
                waiters.forEach(Waiter::check);
            }
        }
    }

    private void record(String key, String value) {
        if (value == null) {
            if (key != null && key.startsWith("api-key:")) {
                forget(UUID.fromString(key.substring("api-key:".length())));
            } else if (key != null && key.startsWith("org:")) {
                orgs.remove(UUID.fromString(key.substring("org:".length())));
            }
            return;
        }
        CloudEvent event = EventJson.read(value);
        switch (event.type()) {
            case EventTypes.ORGANIZATION -> {
                Organization org = event.dataAs(Organization.class);
                orgs.put(org.id(), org);
            }
            case EventTypes.API_KEY -> {
                ApiKey apiKey = event.dataAs(ApiKey.class);
                forget(apiKey.id());
                keysById.put(apiKey.id(), apiKey);
                keysByHash.put(apiKey.secretSha256(), apiKey);
            }
            default -> LOG.debugf("Ignoring %s on %s", event.type(), Topics.ACCESS);
        }
    }

    private void forget(UUID keyId) {
        ApiKey old = keysById.remove(keyId);
        if (old != null) {
            keysByHash.remove(old.secretSha256());
        }
    }

    private void run() {
        while (running) {
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(kafka.config(Map.of(
                    ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                    ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                    // Only the relay creates topics, so the access topic is always created compacted.
                    ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false,
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")))) {
                consumer = c;
                List<TopicPartition> partitions = awaitPartitions(c);
                if (partitions.isEmpty()) {
                    return;
                }
                c.assign(partitions);
                c.seekToBeginning(partitions);
                Map<TopicPartition, Long> end = c.endOffsets(partitions);
                while (running) {
                    for (ConsumerRecord<String, String> record : c.poll(Duration.ofMillis(500))) {
                        try {
                            apply(record.key(), record.value());
                        } catch (RuntimeException e) {
                            skipped.increment();
                            LOG.warnf("Skipping unreadable access record at %s-%d@%d: %s", record.topic(),
                                    record.partition(), record.offset(), e.getMessage());
                        }
                    }
                    boolean moved = false;
                    for (TopicPartition partition : partitions) {
                        long position = c.position(partition);
                        Long before = read.put(partition, position);
                        moved |= before == null || before != position;
                    }
                    if (moved && !waiters.isEmpty()) {
                        waiters.forEach(Waiter::check);
                    }
                    if (!caughtUp && end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                        caughtUp = true;
                        LOG.infof("Access directory caught up: %d organizations, %d API keys", orgs.size(), keysById.size());
                    }
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                LOG.warnf("Access directory reader failed, retrying: %s", e.getMessage());
                sleep(1000);
            }
        }
    }

    private List<TopicPartition> awaitPartitions(KafkaConsumer<String, String> c) {
        while (running) {
            try {
                List<PartitionInfo> infos = c.partitionsFor(Topics.ACCESS, Duration.ofSeconds(5));
                if (infos != null && !infos.isEmpty()) {
                    return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                }
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                LOG.debugf("Waiting for %s", Topics.ACCESS);
            }
            sleep(500);
        }
        return List.of();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
