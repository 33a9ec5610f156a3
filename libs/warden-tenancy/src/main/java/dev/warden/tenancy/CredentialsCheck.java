package dev.warden.tenancy;

import dev.warden.tenancy.kafka.KafkaClients;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Outside dev and test a service has no built-in credentials: it refuses to start, before anything else, naming every
 * credential that is missing. The database runtime role's ({@code WARDEN_DB_APP_USER}, {@code WARDEN_DB_APP_PASSWORD})
 * and its own Kafka principal (a plaintext, unauthenticated connection is refused unless
 * {@code warden.kafka.allow-unauthenticated=true} makes it deliberate: a broker nothing else can reach), and what the
 * service's own {@link RequiredCredentials} beans say is missing.
 */
@ApplicationScoped
public class CredentialsCheck {

    private final Optional<String> dbUser;
    private final Optional<String> dbPassword;
    private final KafkaClients kafka;
    private final boolean allowUnauthenticatedKafka;
    private final Instance<RequiredCredentials> others;

    public CredentialsCheck(Instance<RequiredCredentials> others,
                            @ConfigProperty(name = "quarkus.datasource.username") Optional<String> dbUser,
                            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> dbPassword,
                            KafkaClients kafka,
                            @ConfigProperty(name = "warden.kafka.allow-unauthenticated", defaultValue = "false")
                            boolean allowUnauthenticatedKafka) {
        this.others = others;
        this.dbUser = dbUser;
        this.dbPassword = dbPassword;
        this.kafka = kafka;
        this.allowUnauthenticatedKafka = allowUnauthenticatedKafka;
    }

    void onStart(@Observes @Priority(StartupOrder.MIGRATIONS - 1) StartupEvent event) {
        if (LaunchMode.current() != LaunchMode.NORMAL) {
            return;
        }
        List<String> missing = missing(dbUser, dbPassword, kafka.config(Map.of()), allowUnauthenticatedKafka);
        others.forEach(service -> missing.addAll(service.missing()));
        if (!missing.isEmpty()) {
            throw new IllegalStateException("Missing credentials, so this service does not start: " + String.join("; ", missing));
        }
    }

    static List<String> missing(Optional<String> dbUser, Optional<String> dbPassword, Map<String, Object> kafka,
                                boolean allowUnauthenticatedKafka) {
        List<String> missing = new ArrayList<>();
        if (dbUser.filter(v -> !v.isBlank()).isEmpty()) {
            missing.add("WARDEN_DB_APP_USER (the database runtime role)");
        }
        if (dbPassword.filter(v -> !v.isBlank()).isEmpty()) {
            missing.add("WARDEN_DB_APP_PASSWORD");
        }
        if (!allowUnauthenticatedKafka) {
            String protocol = String.valueOf(kafka.getOrDefault("security.protocol", "PLAINTEXT")).toUpperCase(Locale.ROOT);
            if (protocol.equals("PLAINTEXT")) {
                missing.add("KAFKA_SECURITY_PROTOCOL (SASL_SSL, SASL_PLAINTEXT or SSL) with KAFKA_SASL_MECHANISM and "
                        + "KAFKA_SASL_JAAS_CONFIG, or KAFKA_SSL_* for mutual TLS (the service's Kafka principal; "
                        + "warden.kafka.allow-unauthenticated=true to connect without)");
            } else if (protocol.startsWith("SASL") && !kafka.containsKey("sasl.jaas.config")) {
                missing.add("KAFKA_SASL_JAAS_CONFIG (the login of the service's Kafka principal)");
            }
        }
        return missing;
    }
}
