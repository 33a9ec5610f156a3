package dev.warden.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Everything the launcher can be told, read once at start. Each setting is a {@code WARDEN_*} system property or
 * environment variable; docs/launcher.md lists them.
 */
public record LauncherConfig(
        Path dataDir,
        Path repoDir,
        Path routesFile,
        int postgresPort,
        int kafkaPort,
        int gatewayPort,
        Duration gatewayBodyTimeout,
        boolean freeServicePorts,
        Optional<Set<String>> onlyServices,
        Optional<String> bootstrapApiKey,
        List<String> serviceJavaOptions,
        Duration serviceStartTimeout,
        Duration restartBackoff,
        Duration restartBackoffMax,
        Duration livenessPeriod,
        Optional<String> auditSigningKey,
        Optional<String> auditSigningPublicKey) {

    // The full JIT: C1 alone starts a second faster but serves a third of the requests (bench/request). A young
    // generation of its own size: the Serial collector otherwise keeps the one it sized from the initial heap (18 MB),
    // promotes every request in flight under load and stops for full collections (docs/benchmarks.md, section 5, run O).
    public static final String DEFAULT_SERVICE_JAVA_OPTS = "-Xms192m -Xmx512m -Xmn128m -XX:+UseSerialGC";

    public static LauncherConfig from(Settings settings) {
        Path cwd = Path.of("").toAbsolutePath();
        Path repo = settings.find("WARDEN_REPO_DIR").map(p -> Path.of(p).toAbsolutePath()).orElseGet(() -> findRepo(cwd));
        Path routes = Path.of(settings.get("WARDEN_ROUTES", repo.resolve("deploy/routes.json").toString())).toAbsolutePath();
        String servicePorts = settings.get("WARDEN_SERVICE_PORTS", "routes");
        if (!servicePorts.equals("routes") && !servicePorts.equals("free")) {
            throw new LauncherException("WARDEN_SERVICE_PORTS must be 'routes' (the ports in routes.json) or 'free'");
        }
        return new LauncherConfig(
                Path.of(settings.get("WARDEN_DATA_DIR", ".warden")).toAbsolutePath().normalize(),
                repo,
                routes,
                settings.port("WARDEN_PG_PORT", 15432),
                settings.port("WARDEN_KAFKA_PORT", 19092),
                settings.port("WARDEN_GATEWAY_PORT", 8080),
                Duration.ofSeconds(settings.seconds("WARDEN_GATEWAY_BODY_TIMEOUT", 30)),
                servicePorts.equals("free"),
                settings.find("WARDEN_SERVICES").map(list -> Set.copyOf(Arrays.asList(list.split("\\s*,\\s*")))),
                settings.find("WARDEN_BOOTSTRAP_API_KEY"),
                Arrays.asList(settings.get("WARDEN_SERVICE_JAVA_OPTS", DEFAULT_SERVICE_JAVA_OPTS).trim().split("\\s+")),
                Duration.ofSeconds(settings.seconds("WARDEN_SERVICE_START_TIMEOUT", 180)),
                Duration.ofSeconds(settings.seconds("WARDEN_RESTART_BACKOFF", 1)),
                Duration.ofSeconds(settings.seconds("WARDEN_RESTART_BACKOFF_MAX", 30)),
                Duration.ofSeconds(settings.seconds("WARDEN_SERVICE_LIVENESS_PERIOD", 10)),
                // The checkpoint signing key pair, when given: it wins over <data>/secrets/audit-signing-key
                settings.find("WARDEN_AUDIT_SIGNING_KEY"),
                settings.find("WARDEN_AUDIT_SIGNING_PUBLIC_KEY"));
    }

    /** The repository is the nearest folder, from here upwards, that holds deploy/routes.json. */
    private static Path findRepo(Path from) {
        for (Path dir = from; dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("deploy/routes.json"))) {
                return dir;
            }
        }
        throw new LauncherException("Cannot find deploy/routes.json in " + from
                + " or above: run from the Warden repository or set WARDEN_REPO_DIR");
    }
}
