package dev.warden.tenancy.security;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.tls.TlsConfigurationRegistry;
import io.quarkus.tls.runtime.config.TlsConfigUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which of the identity provider's signing keys it has withdrawn. Quarkus reads the provider's keys at start and again
 * only when a token names a key it does not hold, so a key the provider dropped (rotated out, or removed because it
 * leaked) stayed trusted until the service restarted: anyone holding it could mint tokens every service accepted (found
 * by a user trial: 205 s and counting on four services). This reads the provider's published keys (its {@code
 * jwks_uri}) every {@code warden.oidc.key-watch-interval}, with the same TLS configuration as Quarkus' OIDC client, and
 * remembers every key id it saw published that is no longer: a token naming one of those is refused before the token
 * is verified ({@link ApiKeyAuthenticationMechanism}). A key published again is trusted again. Keys it never saw
 * published are Quarkus' business as before (a new key is fetched on first sight, at most once a
 * {@code forced-jwk-refresh-interval}). A provider that does not answer changes nothing.
 */
@ApplicationScoped
public class OidcKeyWatch {

    private static final Logger LOG = Logger.getLogger(OidcKeyWatch.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final boolean enabled;
    private final String serverUrl;
    private final Vertx vertx;
    private final Optional<String> tlsName;
    private final TlsConfigurationRegistry tls;
    private final Set<String> published = ConcurrentHashMap.newKeySet();
    private final Set<String> withdrawn = ConcurrentHashMap.newKeySet();
    private volatile WebClient client;
    private volatile String jwksUri;
    private volatile boolean failing;

    public OidcKeyWatch(@ConfigProperty(name = "quarkus.oidc.tenant-enabled", defaultValue = "true") boolean enabled,
                        @ConfigProperty(name = "quarkus.oidc.auth-server-url") Optional<String> serverUrl,
                        @ConfigProperty(name = "quarkus.oidc.tls.tls-configuration-name") Optional<String> tlsName,
                        Vertx vertx, TlsConfigurationRegistry tls) {
        this.enabled = enabled && serverUrl.isPresent();
        this.serverUrl = serverUrl.map(u -> u.endsWith("/") ? u.substring(0, u.length() - 1) : u).orElse(null);
        this.tlsName = tlsName;
        this.vertx = vertx;
        this.tls = tls;
    }

    /** Whether {@code token}, a JWT, names in its header a key the provider has withdrawn. */
    public boolean withdrawn(String token) {
        if (withdrawn.isEmpty()) {
            return false;
        }
        String kid = keyId(token);
        return kid != null && withdrawn.contains(kid);
    }

    @Scheduled(every = "${warden.oidc.key-watch-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> look() {
        if (!enabled) {
            return Uni.createFrom().voidItem();
        }
        return jwksUri().chain(uri -> client().getAbs(uri).send().ifNoItem().after(TIMEOUT).fail())
                .map(OidcKeyWatch::keyIds)
                .invoke(this::published)
                .invoke(() -> failing = false)
                .onFailure().invoke(this::failed)
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /** Once per streak of failures: the provider may be down for a while, and the keys read last still stand. */
    private void failed(Throwable e) {
        if (!failing) {
            failing = true;
            LOG.warnf("The identity provider's signing keys could not be read (%s); the keys read last stand", e.toString());
        }
    }

    /** Takes the provider's published key ids as they now are. */
    void published(Set<String> now) {
        for (String kid : published) {
            if (!now.contains(kid) && withdrawn.add(kid)) {
                LOG.warnf("The identity provider no longer publishes signing key %s: tokens it signed are refused", kid);
            }
        }
        withdrawn.removeAll(now);
        published.retainAll(now);
        published.addAll(now);
    }

    private Uni<String> jwksUri() {
        if (jwksUri != null) {
            return Uni.createFrom().item(jwksUri);
        }
        return client().getAbs(serverUrl + "/.well-known/openid-configuration").send().ifNoItem().after(TIMEOUT).fail()
                .map(response -> {
                    String uri = json(response).getString("jwks_uri");
                    if (uri == null) {
                        throw new IllegalStateException("the provider's discovery document names no jwks_uri");
                    }
                    jwksUri = uri;
                    return uri;
                });
    }

    private WebClient client() {
        if (client == null) {
            WebClientOptions options = new WebClientOptions().setConnectTimeout((int) TIMEOUT.toMillis());
            tlsName.flatMap(tls::get).ifPresent(config -> TlsConfigUtils.configure(options, config));
            client = WebClient.create(vertx, options);
        }
        return client;
    }

    void close(@Observes ShutdownEvent event) {
        if (client != null) {
            client.close();
        }
    }

    private static JsonObject json(HttpResponse<?> response) {
        if (response.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + response.statusCode());
        }
        return response.bodyAsJsonObject();
    }

    static Set<String> keyIds(HttpResponse<?> response) {
        JsonArray keys = json(response).getJsonArray("keys");
        if (keys == null) {
            throw new IllegalStateException("the provider's key set has no keys array");
        }
        Set<String> ids = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < keys.size(); i++) {
            Object key = keys.getValue(i);
            if (key instanceof JsonObject k && k.getValue("kid") instanceof String kid) {
                ids.add(kid);
            }
        }
        return ids;
    }

    /** The {@code kid} of a JWT's header, or null when it has none or is no JWT. */
    static String keyId(String token) {
        int dot = token.indexOf('.');
        if (dot <= 0) {
            return null;
        }
        try {
            String header = new String(Base64.getUrlDecoder().decode(token.substring(0, dot)), StandardCharsets.UTF_8);
            return new JsonObject(header).getValue("kid") instanceof String kid ? kid : null;
        } catch (RuntimeException e) {
            return null; // not a JWT: Quarkus refuses it
        }
    }
}
