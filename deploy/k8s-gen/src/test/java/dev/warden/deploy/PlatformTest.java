package dev.warden.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.warden.events.KafkaAccess;
import dev.warden.events.Topics;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The platform resources say what the event contract and KafkaAccess say; CloudNativePG and Keycloak resources,
 * which have no Java model on Maven Central, are checked structurally: apiVersion, every field among those their
 * CRDs define (lists written from the operators' API references: CloudNativePG 1.25+, Keycloak operator 26), and the
 * references between objects.
 */
class PlatformTest {

    static final Set<String> CNPG_CLUSTER = Set.of("instances", "imageName", "primaryUpdateStrategy", "storage",
            "walStorage", "postgresql", "managed", "backup", "monitoring", "bootstrap", "resources", "affinity",
            "enableSuperuserAccess", "superuserSecret", "description");
    static final Set<String> CNPG_ROLE = Set.of("name", "ensure", "comment", "login", "superuser", "bypassrls",
            "createdb", "createrole", "inherit", "replication", "connectionLimit", "validUntil", "inRoles",
            "passwordSecret", "disablePassword");
    static final Set<String> CNPG_DATABASE = Set.of("name", "owner", "ensure", "cluster", "template", "encoding",
            "databaseReclaimPolicy", "allowConnections", "connectionLimit", "isTemplate", "tablespace", "schemas",
            "extensions");
    static final Set<String> CNPG_BACKUP_STORE = Set.of("destinationPath", "s3Credentials", "wal", "data",
            "endpointURL", "serverName", "azureCredentials", "googleCredentials", "endpointCA", "tags");
    static final Set<String> CNPG_SCHEDULED = Set.of("schedule", "backupOwnerReference", "cluster", "immediate",
            "suspend", "method", "target");
    static final Set<String> KEYCLOAK = Set.of("instances", "image", "db", "http", "hostname", "proxy", "features",
            "transaction", "ingress", "additionalOptions", "resources", "startOptimized", "unsupported", "truststores",
            "cache", "httpManagement", "networkPolicy", "bootstrapAdmin", "tracing", "scheduling");
    static final Set<String> KEYCLOAK_DB = Set.of("vendor", "host", "port", "database", "usernameSecret",
            "passwordSecret", "schema", "url", "poolInitialSize", "poolMinSize", "poolMaxSize");

    final List<ObjectNode> objects = Yaml.rendered();
    final RoutingTable table = RoutingTable.load(Yaml.root().resolve("deploy/routes.json"));

    @Test
    void everyTopicOfTheContractAndItsDeadLetterTopicIsAKafkaTopic() {
        List<String> topics = Platform.topics();
        assertTrue(topics.containsAll(List.of(Topics.ACCESS, Topics.AGENTS, Topics.AUDIT)));
        Set<String> rendered = new TreeSet<>();
        objects.stream().filter(o -> o.path("kind").asText().equals("KafkaTopic"))
                .forEach(o -> rendered.add(o.at("/spec/topicName").asText()));
        Set<String> expected = new TreeSet<>();
        topics.forEach(t -> expected.addAll(List.of(t, Topics.deadLetter(t))));
        assertEquals(expected, rendered);
        for (String topic : expected) {
            JsonNode spec = OverlaysTest.find(objects, "KafkaTopic", topic).path("spec");
            String policy = spec.at("/config/cleanup.policy").asText();
            assertEquals(topic.equals(Topics.ACCESS) ? "compact" : "delete", policy, topic);
            assertEquals("warden-kafka", OverlaysTest.find(objects, "KafkaTopic", topic)
                    .at("/metadata/labels/strimzi.io~1cluster").asText());
            assertTrue(spec.path("partitions").asInt() > 0 && spec.path("replicas").asInt() == 3, topic);
        }
    }

    @Test
    void everyServiceHasAKafkaUserWithExactlyTheAclsOfKafkaAccess() {
        for (String service : table.services().keySet()) {
            assertTrue(KafkaAccess.forService(service).isPresent(), service + " has no KafkaAccess row");
        }
        for (KafkaAccess access : KafkaAccess.SERVICES) {
            JsonNode spec = OverlaysTest.find(objects, "KafkaUser", access.principal()).path("spec");
            assertEquals("scram-sha-512", spec.at("/authentication/type").asText());
            Set<String> acls = new TreeSet<>();
            spec.at("/authorization/acls").forEach(acl -> acl.path("operations").forEach(op -> acls.add(
                    acl.at("/resource/type").asText() + ":" + acl.at("/resource/name").asText() + ":"
                            + acl.at("/resource/patternType").asText("literal") + ":" + op.asText())));
            Set<String> expected = new TreeSet<>();
            access.writes().forEach(t -> List.of("Write", "Create", "Describe")
                    .forEach(op -> expected.add("topic:" + t + ":literal:" + op)));
            access.reads().forEach(t -> List.of("Read", "Describe")
                    .forEach(op -> expected.add("topic:" + t + ":literal:" + op)));
            expected.add("group:" + access.groupPrefix() + ":prefix:Read");
            assertEquals(expected, acls, access.principal());
        }
        JsonNode listener = OverlaysTest.find(objects, "Kafka", Names.KAFKA).at("/spec/kafka/listeners/0");
        assertEquals(Names.KAFKA_PORT, listener.path("port").asInt());
        assertTrue(listener.path("tls").asBoolean());
        assertEquals("scram-sha-512", listener.at("/authentication/type").asText());
        assertEquals("simple", OverlaysTest.find(objects, "Kafka", Names.KAFKA).at("/spec/kafka/authorization/type")
                .asText());
    }

    /**
     * The Secrets docs/deploy.md has the operator create are every one the manifests name: a service left out of its
     * owner Secrets' loop never started (its migrate container waits for the Secret), and without the backup store's
     * Secret WAL archiving failed until the database's volume was full.
     */
    @Test
    void theDeployGuidesSecretScriptCreatesEverySecretTheManifestsName() throws Exception {
        String guide = java.nio.file.Files.readString(Yaml.root().resolve("docs/deploy.md"));
        java.util.regex.Matcher loop = java.util.regex.Pattern.compile("for s in ([a-z -]+); do +# one per service").matcher(guide);
        assertTrue(loop.find(), "docs/deploy.md (\"Secrets\") has no owner Secrets' loop"
                + " `for s in <names>; do   # one per service in deploy/routes.json`: keep that line, with that comment");
        Set<String> inLoop = new TreeSet<>(List.of(loop.group(1).trim().split("\\s+")));
        Set<String> services = new TreeSet<>();
        table.services().keySet().forEach(service -> services.add(Names.shortName(service)));
        assertEquals(services, inLoop, "docs/deploy.md's Secrets loop `for s in " + loop.group(1).trim()
                + "; do   # one per service in deploy/routes.json` must name every service of deploy/routes.json,"
                + " without -service: make it `for s in " + String.join(" ", table.services().keySet().stream()
                        .map(Names::shortName).toList()) + "; do` (a service left out never starts: its migrate"
                + " container waits for its database Secrets)");
        // Every Secret a rendered object names (env, volumes, the operators' resources) is one the script creates, one
        // of the certificates it names, or one an operator writes (Strimzi: each KafkaUser's and the cluster CA's)
        Set<String> named = new TreeSet<>();
        objects.forEach(object -> secretsNamed(object, null, named));
        Set<String> byOperators = new TreeSet<>(Set.of(Names.KAFKA + "-cluster-ca-cert"));
        objects.stream().filter(o -> o.path("kind").asText().equals("KafkaUser"))
                .forEach(user -> byOperators.add(user.at("/metadata/name").asText()));
        named.removeAll(byOperators);
        String certificates = guide.lines().filter(line -> line.contains("from your CA or cert-manager")).findFirst().orElse("");
        assertTrue(named.containsAll(Set.of(Names.appSecret(Names.KEY_OWNER), "keycloak-db", Names.PLATFORM_SECRET,
                Names.AUDIT_SIGNER + "-signing-key", "warden-backup-s3", Names.KEYCLOAK_CA_SECRET)), named.toString());
        for (String secret : named) {
            assertTrue(guide.contains("create secret generic " + secret + " ")
                    || inLoop.stream().anyMatch(s -> secret.equals(s + "-service-db-owner"))
                            && guide.contains("create secret generic $s-service-db-owner ")
                    || inLoop.stream().anyMatch(s -> secret.equals(s + "-service-db-app"))
                            && guide.contains("create secret generic $s-service-db-app ")
                    || secret.endsWith("-tls") && certificates.contains(secret),
                    secret + " is named by the manifests and the guide's script does not create it");
        }
    }

    /** The names of the Secrets {@code node} refers to: {@code secretKeyRef}s, secret volumes, {@code *Secret} refs. */
    private static void secretsNamed(JsonNode node, String field, Set<String> into) {
        if (node.isObject()) {
            if (field != null && (field.equals("secretKeyRef") || field.endsWith("Secret") || field.equals("secret")
                    || field.equals("accessKeyId") || field.equals("secretAccessKey")) && node.path("name").isTextual()) {
                into.add(node.path("name").asText());
            }
            if (node.path("secretName").isTextual()) {
                into.add(node.path("secretName").asText());
            }
            node.fields().forEachRemaining(e -> {
                if (e.getValue().isTextual() && e.getKey().endsWith("Secret")) {
                    into.add(e.getValue().asText()); // Keycloak's http.tlsSecret
                }
                secretsNamed(e.getValue(), e.getKey(), into);
            });
        } else if (node.isArray()) {
            node.forEach(item -> secretsNamed(item, field, into));
        }
    }

    @Test
    void cloudNativePgHasADatabaseAndOwnerPerServiceAndTheRuntimeRoleOwnsNothing() {
        JsonNode cluster = OverlaysTest.find(objects, "Cluster", Names.POSTGRES);
        assertEquals("postgresql.cnpg.io/v1", cluster.path("apiVersion").asText());
        assertKnown(cluster.path("spec"), CNPG_CLUSTER, "Cluster.spec");
        assertKnown(cluster.at("/spec/backup/barmanObjectStore"), CNPG_BACKUP_STORE, "barmanObjectStore");
        assertKnown(cluster.at("/spec/postgresql"), Set.of("parameters", "synchronous", "pg_hba", "pg_ident",
                "shared_preload_libraries", "ldap", "promotionTimeout", "enableAlterSystem", "extensions"), "postgresql");
        // Nothing acknowledged is lost in a failover: a commit waits for a standby (quorum of one, never degraded).
        JsonNode synchronous = cluster.at("/spec/postgresql/synchronous");
        assertKnown(synchronous, Set.of("method", "number", "dataDurability", "maxStandbyNamesFromCluster",
                "standbyNamesPre", "standbyNamesPost", "failoverQuorum"), "postgresql.synchronous");
        assertEquals("any", synchronous.path("method").asText());
        assertTrue(synchronous.path("number").asInt() >= 1 && synchronous.path("number").asInt() < cluster.at("/spec/instances").asInt());
        assertEquals("required", synchronous.path("dataDurability").asText());
        Set<String> roles = new TreeSet<>();
        for (JsonNode role : cluster.at("/spec/managed/roles")) {
            assertKnown(role, CNPG_ROLE, "role");
            assertFalse(role.path("superuser").asBoolean() || role.path("bypassrls").asBoolean(), role.toString());
            assertTrue(role.at("/passwordSecret/name").isTextual(), role.toString());
            roles.add(role.path("name").asText());
        }
        for (String service : table.services().keySet()) {
            JsonNode db = OverlaysTest.find(objects, "Database", Names.database(service).replace('_', '-'));
            assertKnown(db.path("spec"), CNPG_DATABASE, "Database.spec");
            assertEquals(Names.database(service), db.at("/spec/name").asText());
            assertEquals(Names.ownerRole(service), db.at("/spec/owner").asText());
            assertEquals(Names.POSTGRES, db.at("/spec/cluster/name").asText());
            assertTrue(roles.contains(Names.ownerRole(service)));
            assertTrue(roles.contains(Names.appRole(service)));
        }
        // A runtime role owns no database (it would then be the schema's owner, past every revocation)
        Set<String> runtimeRoles = new TreeSet<>();
        table.services().keySet().forEach(service -> runtimeRoles.add(Names.appRole(service)));
        objects.stream().filter(o -> o.path("kind").asText().equals("Database"))
                .forEach(db -> assertFalse(runtimeRoles.contains(db.at("/spec/owner").asText()), db.toString()));
        JsonNode scheduled = OverlaysTest.find(objects, "ScheduledBackup", Names.POSTGRES + "-daily");
        assertKnown(scheduled.path("spec"), CNPG_SCHEDULED, "ScheduledBackup.spec");
        assertEquals(6, scheduled.at("/spec/schedule").asText().split(" ").length, "CloudNativePG takes seconds too");
    }

    @Test
    void keycloakServesTheWardenRealmWithTheOrgIdMapperRolesAndAServiceAccountClient() {
        JsonNode keycloak = OverlaysTest.find(objects, "Keycloak", Names.KEYCLOAK);
        assertEquals("k8s.keycloak.org/v2alpha1", keycloak.path("apiVersion").asText());
        assertKnown(keycloak.path("spec"), KEYCLOAK, "Keycloak.spec");
        assertKnown(keycloak.at("/spec/db"), KEYCLOAK_DB, "Keycloak.spec.db");
        JsonNode realmImport = OverlaysTest.find(objects, "KeycloakRealmImport", Names.REALM + "-realm");
        assertEquals(Set.of("keycloakCRName", "realm"), fields(realmImport.path("spec")));
        assertEquals(Names.KEYCLOAK, realmImport.at("/spec/keycloakCRName").asText());
        JsonNode realm = realmImport.at("/spec/realm");
        assertEquals(Names.REALM, realm.path("realm").asText());
        Set<String> roles = new TreeSet<>();
        realm.at("/roles/realm").forEach(r -> roles.add(r.path("name").asText()));
        assertEquals(new TreeSet<>(Platform.ROLES), roles);
        assertTrue(realm.path("clientScopes").isMissingNode(), "an import listing client scopes drops Keycloak's defaults");
        boolean serviceAccount = false;
        for (JsonNode client : realm.path("clients")) {
            JsonNode mapper = client.at("/protocolMappers/0");
            assertEquals("oidc-usermodel-attribute-mapper", mapper.path("protocolMapper").asText());
            assertEquals("org_id", mapper.at("/config/user.attribute").asText());
            assertEquals("org_id", mapper.at("/config/claim.name").asText());
            assertEquals("true", mapper.at("/config/access.token.claim").asText());
            serviceAccount |= client.path("serviceAccountsEnabled").asBoolean();
        }
        assertTrue(serviceAccount);
        assertEquals(Platform.AUTOMATION_CLIENT, realm.at("/users/0/serviceAccountClientId").asText());
        // The database Keycloak uses is one CloudNativePG creates.
        assertEquals("keycloak", OverlaysTest.find(objects, "Database", "keycloak").at("/spec/name").asText());
    }

    private static void assertKnown(JsonNode node, Set<String> known, String where) {
        assertTrue(node.isObject(), where + " is missing");
        Set<String> unknown = fields(node);
        unknown.removeAll(known);
        assertEquals(Set.of(), unknown, where + ": fields the CRD does not define");
    }

    private static Set<String> fields(JsonNode node) {
        Set<String> fields = new TreeSet<>();
        node.fieldNames().forEachRemaining(fields::add);
        return fields;
    }
}
