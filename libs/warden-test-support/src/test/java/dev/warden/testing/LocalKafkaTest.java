package dev.warden.testing;

import dev.warden.events.KafkaAccess;
import dev.warden.events.Topics;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedSaslMechanismException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The broker's controller listener (KIP-919 lets an Admin client use it with {@code bootstrap.controllers}) answers
 * only the broker's own login: no local process without it may read or rewrite the ACLs there.
 */
class LocalKafkaTest {

    /** What an attacker would add: registry-service writing the API keys topic, which only agent-service may write. */
    private static final AclBinding FORGED = new AclBinding(
            new ResourcePattern(ResourceType.TOPIC, Topics.ACCESS, PatternType.LITERAL),
            new AccessControlEntry("User:" + KafkaAccess.REGISTRY_SERVICE.principal(), "*", AclOperation.WRITE,
                    AclPermissionType.ALLOW));

    @TempDir
    Path dir;

    @Test
    void theControllerListenerAnswersOnlyTheBrokersOwnLogin() throws Exception {
        try (LocalKafka kafka = LocalKafka.start(dir.resolve("kafka"), 0)) {
            // Through the broker, as the platform: the broker forwards ACLs to its controller with its own login.
            kafka.grant(KafkaAccess.AGENT_SERVICE);

            // No credentials (what the probe did): refused, listing and creating alike, within the client's timeout.
            try (Admin anonymous = Admin.create(controllerClient(kafka, Map.of()))) {
                assertInstanceOf(TimeoutException.class, failure(() ->
                        anonymous.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS)));
                assertInstanceOf(TimeoutException.class, failure(() ->
                        anonymous.createAcls(List.of(FORGED)).all().get(30, TimeUnit.SECONDS)));
            }
            // The broker's login name with a guessed password: an authentication failure, at once.
            Map<String, Object> guessed = kafka.controllerSecurity();
            guessed.put(SaslConfigs.SASL_JAAS_CONFIG, ((String) guessed.get(SaslConfigs.SASL_JAAS_CONFIG))
                    .replaceAll("password=\"[^\"]*\"", "password=\"guessed\""));
            try (Admin guessing = Admin.create(controllerClient(kafka, guessed))) {
                assertInstanceOf(SaslAuthenticationException.class, failure(() ->
                        guessing.createAcls(List.of(FORGED)).all().get(30, TimeUnit.SECONDS)));
            }
            // A broker credential (even the platform's super user) is no controller login: SCRAM is not offered there.
            try (Admin scram = Admin.create(controllerClient(kafka, new HashMap<>(LocalKafka.platformSecurity(
                    kafka.bootstrapServers()))))) {
                assertInstanceOf(UnsupportedSaslMechanismException.class, failure(() ->
                        scram.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS)));
            }

            // The same port answers the broker's own login: the refusals above are authentication, not a closed port.
            try (Admin controller = Admin.create(controllerClient(kafka, kafka.controllerSecurity()))) {
                Collection<AclBinding> acls = controller.describeAcls(AclBindingFilter.ANY).values().get(30, TimeUnit.SECONDS);
                assertTrue(acls.stream().anyMatch(acl -> acl.entry().principal().equals("User:agent-service")), acls.toString());
            }
            // Nothing was forged.
            try (Admin admin = Admin.create(kafka.adminConfig())) {
                Collection<AclBinding> registry = admin.describeAcls(new AclBindingFilter(ResourcePatternFilter.ANY,
                        new AccessControlEntryFilter(FORGED.entry().principal(), null, AclOperation.ANY,
                                AclPermissionType.ANY))).values().get(30, TimeUnit.SECONDS);
                assertEquals(List.of(), List.copyOf(registry));
            }

            // The broker's configuration holds every password it logs in with: its owner's alone, like the secrets.
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("kafka"))));
            assertEquals("rw-------", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(dir.resolve("kafka/server.properties"))));
            assertEquals("rwx------", PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(dir.resolve("kafka/secrets"))));
            assertFalse(Files.readString(dir.resolve("kafka/server.properties")).contains("ANONYMOUS"));
        }
    }

    @Test
    void everyTopicIsThereBeforeAnyServiceKeptAsTheClustersKafkaTopicsKeepIt() throws Exception {
        try (LocalKafka kafka = LocalKafka.start(dir.resolve("kafka"), 0)) {
            assertEquals(12, kafka.createTopics(), "six topics and their dead-letter topics");
            assertEquals(0, kafka.createTopics(), "a second start creates nothing");
            try (Admin admin = Admin.create(kafka.adminConfig())) {
                Map<String, TopicDescription> topics = admin.describeTopics(List.of(Topics.ACCESS, Topics.FLEET,
                        Topics.deadLetter(Topics.AGENTS))).allTopicNames().get(30, TimeUnit.SECONDS);
                topics.values().forEach(topic -> assertEquals(6, topic.partitions().size(), topic.name()));
                assertEquals("compact", config(admin, Topics.ACCESS, "cleanup.policy"));
                assertEquals("-1", config(admin, Topics.FLEET, "retention.ms"), "kept for replays");
                assertEquals("1209600000", config(admin, Topics.deadLetter(Topics.AGENTS), "retention.ms"), "two weeks");
            }
        }
    }

    /**
     * kafka.log is where a user looks when the broker fails (the launcher shows its tail): the JDK's four lines about
     * Kafka's use of {@code sun.misc.Unsafe} (JDK 24 and later) came with every start on a kept data folder.
     */
    @Test
    void aBrokerStartedAgainOnItsDataWritesNoJdkWarningsToItsLog() throws Exception {
        try (LocalKafka kafka = LocalKafka.start(dir.resolve("kafka"), 0)) {
            kafka.createTopics();
        }
        try (LocalKafka kafka = LocalKafka.start(dir.resolve("kafka"), 0)) {
            assertEquals(0, kafka.createTopics(), "the same data folder");
        }
        String log = Files.readString(dir.resolve("kafka/kafka.log"));
        assertFalse(log.contains("sun.misc.Unsafe"), log);
    }

    private static String config(Admin admin, String topic, String name) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource).get(name).value();
    }

    /** A client of the controller alone, whose calls give up after 5 s. */
    private static Map<String, Object> controllerClient(LocalKafka kafka, Map<String, Object> security) {
        Map<String, Object> config = new HashMap<>(security);
        config.put(AdminClientConfig.BOOTSTRAP_CONTROLLERS_CONFIG, kafka.controllerAddress());
        config.putIfAbsent(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT");
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        return config;
    }

    private interface Call {
        void run() throws Exception;
    }

    /** The cause of the failure of {@code call}, which must fail. */
    private static Throwable failure(Call call) {
        return assertThrows(ExecutionException.class, call::run).getCause();
    }
}
