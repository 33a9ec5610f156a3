package dev.warden.deploy;

import dev.warden.events.KafkaAccess;
import dev.warden.events.Topics;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.strimzi.api.kafka.model.kafka.KafkaBuilder;
import io.strimzi.api.kafka.model.kafka.PersistentClaimStorageBuilder;
import io.strimzi.api.kafka.model.kafka.listener.GenericKafkaListenerBuilder;
import io.strimzi.api.kafka.model.kafka.listener.KafkaListenerAuthenticationScramSha512;
import io.strimzi.api.kafka.model.kafka.listener.KafkaListenerType;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePoolBuilder;
import io.strimzi.api.kafka.model.nodepool.ProcessRoles;
import io.strimzi.api.kafka.model.topic.KafkaTopicBuilder;
import io.strimzi.api.kafka.model.user.KafkaUserAuthorizationSimple;
import io.strimzi.api.kafka.model.user.KafkaUserBuilder;
import io.strimzi.api.kafka.model.user.KafkaUserScramSha512ClientAuthentication;
import io.strimzi.api.kafka.model.user.acl.AclOperation;
import io.strimzi.api.kafka.model.user.acl.AclResourcePatternType;
import io.strimzi.api.kafka.model.user.acl.AclRule;
import io.strimzi.api.kafka.model.user.acl.AclRuleBuilder;
import io.strimzi.api.kafka.model.user.acl.AclRuleGroupResourceBuilder;
import io.strimzi.api.kafka.model.user.acl.AclRuleTopicResourceBuilder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What Warden runs on, as the operators' own resources: Strimzi (Kafka in KRaft mode, its node pool, a topic for
 * every topic of the event contract and its dead-letter topic, a user per service with the ACLs of KafkaAccess),
 * CloudNativePG (the cluster, a database and schema owner per service, the runtime role, backups) and Keycloak (the
 * server and the Warden realm). Strimzi through its typed model; CloudNativePG and Keycloak publish no Java model on
 * Maven Central, so theirs are plain maps in GenericKubernetesResource.
 */
public final class Platform {

    static final int REPLICAS = 3;

    private Platform() {
    }

    /** Every topic of the event contract ({@link Topics#ALL}), sorted. */
    public static List<String> topics() {
        return List.copyOf(new TreeSet<>(Topics.ALL));
    }

    public static List<HasMetadata> kafka() {
        List<HasMetadata> objects = new ArrayList<>();
        objects.add(new KafkaBuilder()
                .withMetadata(new ObjectMetaBuilder().withName(Names.KAFKA)
                        .withAnnotations(Map.of("strimzi.io/kraft", "enabled", "strimzi.io/node-pools", "enabled"))
                        .build())
                .withNewSpec()
                .withNewKafka()
                .withListeners(new GenericKafkaListenerBuilder().withName("scram").withPort(Names.KAFKA_PORT)
                        .withType(KafkaListenerType.INTERNAL).withTls(true)
                        .withAuth(new KafkaListenerAuthenticationScramSha512())
                        // Only Warden's pods reach the listener (Strimzi writes the NetworkPolicy).
                        .withNetworkPolicyPeers(new io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder()
                                .withNewPodSelector().addToMatchLabels("app.kubernetes.io/part-of", "warden")
                                .endPodSelector().build())
                        .build())
                .withNewKafkaAuthorizationSimple().endKafkaAuthorizationSimple()
                .withConfig(new LinkedHashMap<>(Map.of(
                        "auto.create.topics.enable", false,
                        "default.replication.factor", REPLICAS,
                        "min.insync.replicas", 2,
                        "offsets.topic.replication.factor", REPLICAS,
                        "transaction.state.log.replication.factor", REPLICAS,
                        "transaction.state.log.min.isr", 2)))
                .endKafka()
                .withNewEntityOperator().withNewTopicOperator().endTopicOperator().withNewUserOperator()
                .endUserOperator().endEntityOperator()
                .endSpec().build());
        objects.add(new KafkaNodePoolBuilder()
                .withMetadata(new ObjectMetaBuilder().withName("dual").withLabels(cluster()).build())
                .withNewSpec()
                .withReplicas(REPLICAS)
                .withRoles(ProcessRoles.CONTROLLER, ProcessRoles.BROKER)
                .withNewJbodStorage().withVolumes(new PersistentClaimStorageBuilder().withId(0).withSize("20Gi")
                        .withDeleteClaim(false).withKraftMetadata(io.strimzi.api.kafka.model.kafka.KRaftMetadataStorage.SHARED)
                        .build()).endJbodStorage()
                .endSpec().build());
        for (String topic : topics()) {
            objects.add(topic(topic));
            objects.add(topic(Topics.deadLetter(topic)));
        }
        for (KafkaAccess access : KafkaAccess.SERVICES) {
            objects.add(user(access));
        }
        for (KafkaAccess access : KafkaAccess.OUTSIDE) {
            objects.add(user(access));
        }
        return objects;
    }

    /** {@link Topics#settings}, and a write needs two of the three replicas in sync. */
    private static HasMetadata topic(String name) {
        Map<String, Object> config = new LinkedHashMap<>(Topics.settings(name));
        config.put("min.insync.replicas", 2);
        return new KafkaTopicBuilder().withMetadata(new ObjectMetaBuilder().withName(name).withLabels(cluster()).build())
                .withNewSpec().withTopicName(name).withPartitions(Topics.PARTITIONS).withReplicas(REPLICAS).withConfig(config)
                .endSpec().build();
    }

    /** The service's principal (SCRAM-SHA-512; the User Operator writes its Secret) with KafkaAccess' ACLs. */
    static HasMetadata user(KafkaAccess access) {
        List<AclRule> acls = new ArrayList<>();
        for (String topic : new TreeSet<>(access.writes())) {
            acls.add(topicRule(topic, AclOperation.WRITE, AclOperation.CREATE, AclOperation.DESCRIBE));
        }
        for (String topic : new TreeSet<>(access.reads())) {
            acls.add(topicRule(topic, AclOperation.READ, AclOperation.DESCRIBE));
        }
        acls.add(new AclRuleBuilder().withResource(new AclRuleGroupResourceBuilder().withName(access.groupPrefix())
                .withPatternType(AclResourcePatternType.PREFIX).build()).withOperations(AclOperation.READ).build());
        Map<String, String> labels = new LinkedHashMap<>(cluster());
        labels.putAll(Names.labels(access.principal()));
        KafkaUserAuthorizationSimple authorization = new KafkaUserAuthorizationSimple();
        authorization.setAcls(acls);
        return new KafkaUserBuilder().withMetadata(new ObjectMetaBuilder().withName(access.principal())
                        .withLabels(labels).build())
                .withNewSpec().withAuthentication(new KafkaUserScramSha512ClientAuthentication())
                .withAuthorization(authorization).endSpec().build();
    }

    private static AclRule topicRule(String topic, AclOperation... operations) {
        return new AclRuleBuilder().withResource(new AclRuleTopicResourceBuilder().withName(topic)
                .withPatternType(AclResourcePatternType.LITERAL).build()).withOperations(operations).build();
    }

    private static Map<String, String> cluster() {
        return Map.of("strimzi.io/cluster", Names.KAFKA);
    }

    /**
     * One CloudNativePG cluster of three, committing synchronously to one standby: per service a database owned by its
     * schema owner (used only by the migration step) and a runtime role of its own ({@code warden_agent_app}: owns
     * nothing, no BYPASSRLS, no other service's database admits it), Keycloak's database, and backups to an object store with a
     * daily ScheduledBackup.
     */
    public static List<HasMetadata> postgres(List<String> services) {
        List<Object> roles = new ArrayList<>();
        for (String service : services) {
            roles.add(role(Names.appRole(service), Names.appSecret(service), "runtime role of " + service));
            roles.add(role(Names.ownerRole(service), Names.ownerSecret(service), "schema owner of " + service));
        }
        roles.add(role("keycloak", "keycloak-db", "Keycloak's own database"));
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("instances", 3);
        spec.put("primaryUpdateStrategy", "unsupervised");
        spec.put("storage", Map.of("size", "20Gi"));
        // A commit is acknowledged once one standby has it too (quorum of one, CloudNativePG 1.25+; `required`: with no
        // standby to confirm, writes wait rather than risk it), so a failover never loses what a service acknowledged.
        // Connections at the worst moment, a rolling update of everything in prod: per service pod its pool
        // (quarkus.datasource.reactive.max-size: agent 8, the others 20) and up to 4 leader connections, so about 108
        // per set of five pods, times three (two replicas and the surge pod) is 324; Keycloak's two instances up to 100
        // each (its default pool); and the operator's own. 200 was short of that.
        spec.put("postgresql", Map.of("parameters", Map.of("max_connections", "600"),
                "synchronous", Map.of("method", "any", "number", 1, "dataDurability", "required")));
        spec.put("managed", Map.of("roles", roles));
        spec.put("backup", Map.of(
                "retentionPolicy", "30d",
                "barmanObjectStore", Map.of(
                        "destinationPath", "s3://warden-backups/" + Names.POSTGRES,
                        "s3Credentials", Map.of(
                                "accessKeyId", Map.of("name", "warden-backup-s3", "key", "ACCESS_KEY_ID"),
                                "secretAccessKey", Map.of("name", "warden-backup-s3", "key", "ACCESS_SECRET_KEY")),
                        "wal", Map.of("compression", "gzip"))));
        spec.put("monitoring", Map.of("enablePodMonitor", false));
        List<HasMetadata> objects = new ArrayList<>();
        objects.add(cr("postgresql.cnpg.io/v1", "Cluster", Names.POSTGRES, spec));
        for (String service : services) {
            objects.add(database(Names.database(service), Names.ownerRole(service)));
        }
        objects.add(database("keycloak", "keycloak"));
        objects.add(cr("postgresql.cnpg.io/v1", "ScheduledBackup", Names.POSTGRES + "-daily", new LinkedHashMap<>(Map.of(
                "schedule", "0 0 2 * * *",
                "backupOwnerReference", "self",
                "cluster", Map.of("name", Names.POSTGRES)))));
        return objects;
    }

    private static Map<String, Object> role(String name, String secret, String comment) {
        Map<String, Object> role = new LinkedHashMap<>();
        role.put("name", name);
        role.put("ensure", "present");
        role.put("comment", comment);
        role.put("login", true);
        role.put("superuser", false);
        role.put("bypassrls", false);
        role.put("createdb", false);
        role.put("createrole", false);
        role.put("passwordSecret", Map.of("name", secret));
        return role;
    }

    private static HasMetadata database(String name, String owner) {
        return cr("postgresql.cnpg.io/v1", "Database", name.replace('_', '-'), new LinkedHashMap<>(Map.of(
                "name", name, "owner", owner, "ensure", "present", "cluster", Map.of("name", Names.POSTGRES))));
    }

    public static final List<String> ROLES = List.of("viewer", "operator", "admin", "auditor", "platform-admin");
    static final String AUTOMATION_CLIENT = "warden-automation";

    /** The Keycloak server (its database in the CloudNativePG cluster) and the Warden realm. */
    public static List<HasMetadata> keycloak() {
        Map<String, Object> server = new LinkedHashMap<>();
        server.put("instances", 2);
        server.put("db", Map.of("vendor", "postgres", "host", Names.postgresHost(), "port", Names.POSTGRES_PORT,
                "database", "keycloak",
                "usernameSecret", Map.of("name", "keycloak-db", "key", "username"),
                "passwordSecret", Map.of("name", "keycloak-db", "key", "password")));
        server.put("http", Map.of("tlsSecret", Names.KEYCLOAK + "-tls"));
        // Tokens carry the public issuer; the services fetch keys inside the cluster (backchannel from the request).
        server.put("hostname", Map.of("hostname", "https://auth.warden.example.com", "backchannelDynamic", true));
        server.put("proxy", Map.of("headers", "xforwarded"));

        Map<String, Object> orgMapper = new LinkedHashMap<>();
        orgMapper.put("name", "org_id");
        orgMapper.put("protocol", "openid-connect");
        orgMapper.put("protocolMapper", "oidc-usermodel-attribute-mapper");
        orgMapper.put("config", new LinkedHashMap<>(Map.of(
                "user.attribute", "org_id", "claim.name", "org_id", "jsonType.label", "String",
                "access.token.claim", "true", "id.token.claim", "true", "introspection.token.claim", "true",
                "userinfo.token.claim", "true")));
        // Every access token of Warden's clients names Warden as its audience, and the services require it
        // (WARDEN_OIDC_AUDIENCE): a token of any other client of the realm, whose user held a Warden role, got in.
        Map<String, Object> audienceMapper = new LinkedHashMap<>();
        audienceMapper.put("name", "warden-audience");
        audienceMapper.put("protocol", "openid-connect");
        audienceMapper.put("protocolMapper", "oidc-audience-mapper");
        audienceMapper.put("config", new LinkedHashMap<>(Map.of(
                "included.custom.audience", Names.OIDC_AUDIENCE, "access.token.claim", "true", "id.token.claim", "false",
                "introspection.token.claim", "true")));
        Map<String, Object> automation = new LinkedHashMap<>();
        automation.put("clientId", AUTOMATION_CLIENT);
        automation.put("name", "Warden automation (service account)");
        automation.put("enabled", true);
        automation.put("publicClient", false);
        automation.put("clientAuthenticatorType", "client-secret");
        automation.put("serviceAccountsEnabled", true);
        automation.put("standardFlowEnabled", false);
        automation.put("directAccessGrantsEnabled", false);
        // The mapper sits on each client, not in a client scope of the import: a realm import that lists client
        // scopes replaces Keycloak's default ones (roles, profile, ...), and with them realm_access.roles.
        automation.put("protocolMappers", List.of(orgMapper, audienceMapper));
        Map<String, Object> console = new LinkedHashMap<>();
        console.put("clientId", "warden-console");
        console.put("name", "Warden users (authorization code with PKCE)");
        console.put("enabled", true);
        console.put("publicClient", true);
        console.put("standardFlowEnabled", true);
        console.put("directAccessGrantsEnabled", false);
        console.put("redirectUris", List.of("https://warden.example.com/*"));
        console.put("attributes", Map.of("pkce.code.challenge.method", "S256"));
        console.put("protocolMappers", List.of(orgMapper, audienceMapper));

        Map<String, Object> serviceAccount = new LinkedHashMap<>();
        serviceAccount.put("username", "service-account-" + AUTOMATION_CLIENT);
        serviceAccount.put("enabled", true);
        serviceAccount.put("serviceAccountClientId", AUTOMATION_CLIENT);
        serviceAccount.put("realmRoles", List.of("platform-admin"));

        Map<String, Object> realm = new LinkedHashMap<>();
        realm.put("realm", Names.REALM);
        realm.put("enabled", true);
        realm.put("sslRequired", "all");
        realm.put("registrationAllowed", false);
        realm.put("roles", Map.of("realm", ROLES.stream().map(r -> Map.of("name", r, "description", "Warden role " + r))
                .toList()));
        realm.put("clients", List.of(automation, console));
        realm.put("users", List.of(serviceAccount));
        // org_id is a declared attribute of the user profile: administrators set it, users see it and cannot change it.
        realm.put("components", Map.of("org.keycloak.userprofile.UserProfileProvider", List.of(Map.of(
                "providerId", "declarative-user-profile",
                "config", Map.of("kc.user.profile.config", List.of(userProfile()))))));

        return List.of(
                cr("k8s.keycloak.org/v2alpha1", "Keycloak", Names.KEYCLOAK, server),
                cr("k8s.keycloak.org/v2alpha1", "KeycloakRealmImport", Names.REALM + "-realm", new LinkedHashMap<>(Map.of(
                        "keycloakCRName", Names.KEYCLOAK, "realm", realm))));
    }

    /** Keycloak's default user profile (username, email, first and last name) plus org_id, admin-editable only. */
    private static String userProfile() {
        Map<String, Object> adminOnly = Map.of("view", List.of("admin", "user"), "edit", List.of("admin"));
        Map<String, Object> userEdits = Map.of("view", List.of("admin", "user"), "edit", List.of("admin", "user"));
        List<Object> attributes = List.of(
                Map.of("name", "username", "displayName", "${username}", "permissions", userEdits,
                        "validations", Map.of("length", Map.of("min", 3, "max", 255),
                                "username-prohibited-characters", Map.of(), "up-username-not-idn-homograph", Map.of())),
                Map.of("name", "email", "displayName", "${email}", "permissions", userEdits,
                        "validations", Map.of("email", Map.of(), "length", Map.of("max", 255))),
                Map.of("name", "firstName", "displayName", "${firstName}", "permissions", userEdits,
                        "validations", Map.of("length", Map.of("max", 255))),
                Map.of("name", "lastName", "displayName", "${lastName}", "permissions", userEdits,
                        "validations", Map.of("length", Map.of("max", 255))),
                Map.of("name", "org_id", "displayName", "Organization", "permissions", adminOnly,
                        "validations", Map.of("length", Map.of("max", 64))));
        return Generate.json(Map.of("attributes", attributes,
                "groups", List.of(Map.of("name", "user-metadata", "displayHeader", "User metadata"))));
    }

    static GenericKubernetesResource cr(String apiVersion, String kind, String name, Map<String, Object> spec) {
        return new GenericKubernetesResourceBuilder().withApiVersion(apiVersion).withKind(kind)
                .withMetadata(new ObjectMetaBuilder().withName(name)
                        .withLabels(Map.of("app.kubernetes.io/part-of", "warden-platform")).build())
                .withAdditionalProperties(Map.of("spec", spec)).build();
    }

}
