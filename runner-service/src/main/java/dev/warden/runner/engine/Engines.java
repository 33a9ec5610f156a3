package dev.warden.runner.engine;

import dev.warden.runner.tier.RunnerConfig;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine runs go to ({@code warden.runner.docker-host}, i.e. {@code DOCKER_HOST}; none configured: every run is a
 * 503) and the pool of threads its blocking calls run on, so no Vert.x event-loop thread ever waits on the engine.
 */
@ApplicationScoped
public class Engines {

    private static final Logger LOG = Logger.getLogger(Engines.class);
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);

    private final ContainerEngine engine;
    private final ExecutorService workers;

    public Engines(RunnerConfig config) {
        String host = config.dockerHost().filter(h -> !h.isBlank()).orElse(null);
        if ("kubernetes".equals(config.engine())) {
            LOG.infof("Runs are Kubernetes Jobs in namespace %s", config.kubernetesNamespace());
            this.engine = new KubernetesJobEngine(new io.fabric8.kubernetes.client.KubernetesClientBuilder().build(),
                    config.kubernetesNamespace());
        } else if (!"docker".equals(config.engine()) && !"none".equals(config.engine())) {
            throw new IllegalStateException("warden.runner.engine must be docker, kubernetes or none, not " + config.engine());
        } else if (host == null || "none".equals(config.engine())) {
            LOG.warn("No container engine is configured (DOCKER_HOST): /run answers 503 until one is");
            this.engine = new NoEngine();
        } else {
            LOG.infof("Containers run through the Docker Engine API at %s", host);
            this.engine = new DockerEngine(host);
        }
        AtomicInteger n = new AtomicInteger();
        // Each run holds a thread for its duration; the limiter bounds the runs, so the pool stays bounded too.
        this.workers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "warden-runner-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    @Produces
    @Singleton
    ContainerEngine engine() {
        return engine;
    }

    public ExecutorService workers() {
        return workers;
    }

    /**
     * Interrupts the runs still going and waits, for a bounded time, for each to kill and remove its container before
     * the engine's client closes: closed first, the removals failed and the containers ran on past the service and
     * their deadline (a user trial's spinning agent 54 s into its 30 s). What the wait does not cover, the next start's
     * {@link OrphanReaper} removes.
     */
    void onStop(@Observes ShutdownEvent event) {
        workers.shutdownNow();
        try {
            if (!workers.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warnf("Runs still going %d s into the stop; their containers are removed at the next start",
                        STOP_WAIT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (engine instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.debugf("closing the engine client: %s", e.getMessage());
            }
        }
    }

    /** No engine: never available. */
    static final class NoEngine implements ContainerEngine {
        @Override
        public boolean available() {
            return false;
        }

        @Override
        public RunResult run(RunSpec spec, OutputCollector output) {
            throw new IllegalStateException("no container engine");
        }

        @Override
        public List<Orphan> reapOrphans(String instance) {
            return List.of();
        }
    }
}
