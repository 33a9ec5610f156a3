package dev.warden.deploy;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRuleBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The objects of one service, the same for every service of deploy/routes.json: ServiceAccount, ConfigMap,
 * Deployment (the migration step as its init container), Service, PodDisruptionBudget, NetworkPolicy (runner-service's
 * Role is in the runs' namespace: {@link Runs}). Secrets are referenced by name, never written here.
 */
public final class Workloads {

    /** The class that migrates a service's schema as its owner (libs/warden-tenancy), run from the service's image. */
    static final String MIGRATE_MAIN = "dev.warden.tenancy.db.MigrateMain";
    /** Where Quarkus' Jib extension puts the fast-jar in the image (quarkus.jib.working-directory, root pom). */
    static final String CLASS_PATH = "/deployments/app/*:/deployments/lib/boot/*:/deployments/lib/main/*";
    /** The label the Gateway API implementations put on the gateway's data-plane pods. */
    static final String GATEWAY_POD_LABEL = "gateway.networking.k8s.io/gateway-name";
    /** The user of every container: the images' own user too (deploy/base-image, quarkus.jib.user). */
    static final long USER = 185;

    private Workloads() {
    }

    public static List<HasMetadata> of(String service, int port) {
        List<HasMetadata> objects = new ArrayList<>();
        boolean runner = service.equals(Names.RUNNER);
        objects.add(new ServiceAccountBuilder().withMetadata(meta(service))
                .withAutomountServiceAccountToken(runner).build());
        objects.add(new ConfigMapBuilder().withMetadata(meta(configMap(service))).withData(config(service, port)).build());
        objects.add(deployment(service, port, runner));
        objects.add(new ServiceBuilder().withMetadata(meta(service)).withNewSpec()
                .withSelector(Names.selector(service))
                .addNewPort().withName("http").withPort(port).withNewTargetPort("http").withProtocol("TCP").endPort()
                .endSpec().build());
        objects.add(new PodDisruptionBudgetBuilder().withMetadata(meta(service)).withNewSpec()
                .withMaxUnavailable(new IntOrString(1))
                .withNewSelector().withMatchLabels(Names.selector(service)).endSelector()
                .endSpec().build());
        objects.add(networkPolicy(service, port, runner));
        return objects;
    }

    static String configMap(String service) {
        return service + "-config";
    }

    /** Everything that is not a secret; each name as in the launcher's ServiceEnv. */
    static Map<String, String> config(String service, int port) {
        String p = Names.envPrefix(service);
        String db = Names.postgresHost() + ":" + Names.POSTGRES_PORT + "/" + Names.database(service);
        Map<String, String> data = new LinkedHashMap<>();
        data.put(p + "PORT", String.valueOf(port));
        data.put(p + "DB_URL", "postgresql://" + db + "?sslmode=require");
        data.put(p + "DB_JDBC_URL", "jdbc:postgresql://" + db + "?sslmode=require");
        data.put("WARDEN_DB_APP_USER", Names.appRole(service));
        data.put("WARDEN_KAFKA_BOOTSTRAP", Names.kafkaBootstrap());
        data.put("KAFKA_SECURITY_PROTOCOL", "SASL_SSL");
        data.put("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512");
        data.put("KAFKA_SSL_TRUSTSTORE_TYPE", "PEM");
        data.put("WARDEN_OIDC_ENABLED", "true");
        data.put("WARDEN_OIDC_URL", Names.oidcUrl());
        data.put("WARDEN_OIDC_AUDIENCE", Names.OIDC_AUDIENCE); // the realm's clients put it in their access tokens
        // Keycloak's in-cluster name has a certificate no public CA issues: the services trust the CA that did, mounted
        // from its Secret, through Quarkus' TLS registry (a configuration named "keycloak" that OIDC uses)
        data.put("QUARKUS_TLS_KEYCLOAK_TRUST_STORE_PEM_CERTS", KEYCLOAK_CA_DIR + "/ca.crt");
        data.put("QUARKUS_OIDC_TLS_TLS_CONFIGURATION_NAME", "keycloak");
        // The gateway's data plane runs in the pod network: X-Forwarded-For is believed from there only.
        data.put("WARDEN_TRUSTED_PROXIES", "10.0.0.0/8");
        data.put("WARDEN_LOG_JSON", "true");
        data.put("QUARKUS_HTTP_HOST", "0.0.0.0");
        // On SIGTERM: serve on while the gateway learns the pod is terminating, then let requests in flight finish;
        // both within the pod's 30 s grace period
        data.put("QUARKUS_SHUTDOWN_DELAY", "5s");
        data.put("QUARKUS_SHUTDOWN_TIMEOUT", "20s");
        if (service.equals(Names.RUNNER)) {
            // On Kubernetes agents run as Jobs in a namespace of their own (Runs), not on a local container engine.
            data.put("WARDEN_RUNNER_ENGINE", "kubernetes");
            data.put("WARDEN_RUNNER_NAMESPACE", Names.RUNS_NAMESPACE);
        }
        return data;
    }

    /** Where a service finds the CA of Keycloak's certificate ({@link Names#KEYCLOAK_CA_SECRET}). */
    static final String KEYCLOAK_CA_DIR = "/etc/warden/keycloak-ca";

    private static HasMetadata deployment(String service, int port, boolean runner) {
        Container migrate = new ContainerBuilder().withName("migrate").withImage(Names.image(service))
                .withCommand("java", "-XX:TieredStopAtLevel=1", "-cp", CLASS_PATH, MIGRATE_MAIN)
                .withEnv(migrationEnv(service))
                .withResources(resources("100m", "256Mi", "512Mi"))
                .withSecurityContext(containerSecurity())
                .withVolumeMounts(tmp())
                .build();
        Container app = new ContainerBuilder().withName(service).withImage(Names.image(service))
                .addNewPort().withName("http").withContainerPort(port).withProtocol("TCP").endPort()
                .addNewEnvFrom().withNewConfigMapRef().withName(configMap(service)).endConfigMapRef().endEnvFrom()
                .withEnv(serviceSecrets(service))
                .withStartupProbe(probe("/q/health/started", 5, 60))
                .withLivenessProbe(probe("/q/health/live", 10, 3))
                // This replica can serve; not the database, broker or consumers every replica shares, which would take
                // them all out of the gateway at once (AccessDirectoryReadiness)
                .withReadinessProbe(probe("/q/health/group/serving", 5, 3))
                .withResources(resources("250m", "384Mi", "512Mi"))
                .withSecurityContext(containerSecurity())
                .withVolumeMounts(tmp(), new VolumeMountBuilder().withName("keycloak-ca").withMountPath(KEYCLOAK_CA_DIR)
                        .withReadOnly(true).build())
                .build();
        PodTemplateSpec template = new PodTemplateSpecBuilder()
                .withNewMetadata().withLabels(Names.labels(service)).endMetadata()
                .withNewSpec()
                .withServiceAccountName(service)
                .withAutomountServiceAccountToken(runner)
                .withNewSecurityContext().withRunAsNonRoot(true).withRunAsUser(USER).withRunAsGroup(USER)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().endSecurityContext()
                // Replicas on different nodes where the cluster can: a node lost takes one replica, not all
                .addNewTopologySpreadConstraint().withMaxSkew(1).withTopologyKey("kubernetes.io/hostname")
                .withWhenUnsatisfiable("ScheduleAnyway").withNewLabelSelector().withMatchLabels(Names.selector(service))
                .endLabelSelector().endTopologySpreadConstraint()
                .withInitContainers(migrate)
                .withContainers(app)
                .addNewVolume().withName("tmp").withNewEmptyDir().withSizeLimit(new Quantity("64Mi")).endEmptyDir()
                .endVolume()
                .addNewVolume().withName("keycloak-ca").withNewSecret().withSecretName(Names.KEYCLOAK_CA_SECRET)
                .addNewItem().withKey("ca.crt").withPath("ca.crt").endItem().endSecret().endVolume()
                .endSpec()
                .build();
        if (runner) {
            // A name of its own per replica, kept across restarts (runner-service-0, -1, ...): the engine labels each
            // run's Job with it, and a replica starting reaps what its predecessor of that name left (OrphanReaper).
            // Under a Deployment every replica was "local" and each reaped the others' runs.
            return new StatefulSetBuilder().withMetadata(meta(service)).withNewSpec()
                    .withReplicas(1)
                    .withServiceName(service)
                    .withPodManagementPolicy("Parallel")
                    .withNewSelector().withMatchLabels(Names.selector(service)).endSelector()
                    .withNewUpdateStrategy().withType("RollingUpdate").endUpdateStrategy()
                    .withTemplate(template)
                    .endSpec().build();
        }
        return new DeploymentBuilder().withMetadata(meta(service)).withNewSpec()
                .withReplicas(1)
                .withNewSelector().withMatchLabels(Names.selector(service)).endSelector()
                .withNewStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withMaxUnavailable(new IntOrString(0)).withMaxSurge(new IntOrString(1)).endRollingUpdate().endStrategy()
                .withTemplate(template)
                .endSpec().build();
    }

    /** The migration step's variables: the schema owner's Secret, which the service container never gets. */
    private static List<EnvVar> migrationEnv(String service) {
        return List.of(
                fromConfigMap("WARDEN_DB_MIGRATION_URL", configMap(service), Names.envPrefix(service) + "DB_JDBC_URL"),
                fromSecret("WARDEN_DB_OWNER_USER", Names.ownerSecret(service), "username"),
                fromSecret("WARDEN_DB_OWNER_PASSWORD", Names.ownerSecret(service), "password"),
                fromConfigMap("WARDEN_DB_APP_USER", configMap(service), "WARDEN_DB_APP_USER"),
                // its lines in the form of the service's own (JSON), for the collector reading the pod
                fromConfigMap("WARDEN_LOG_JSON", configMap(service), "WARDEN_LOG_JSON"));
    }

    /** The running service's secrets: the runtime role, its own Kafka principal, and what only it needs. */
    private static List<EnvVar> serviceSecrets(String service) {
        List<EnvVar> env = new ArrayList<>(List.of(
                fromSecret("WARDEN_DB_APP_PASSWORD", Names.appSecret(service), "password"),
                fromSecret("KAFKA_SASL_JAAS_CONFIG", Names.kafkaUserSecret(service), "sasl.jaas.config"),
                fromSecret("KAFKA_SSL_TRUSTSTORE_CERTIFICATES", Names.KAFKA + "-cluster-ca-cert", "ca.crt"),
                fromSecret("WARDEN_PLATFORM_API_KEY_SHA256", Names.PLATFORM_SECRET, "api-key-sha256")));
        if (service.equals(Names.RUNNER)) {
            env.add(new EnvVarBuilder().withName("WARDEN_RUNNER_INSTANCE").withNewValueFrom().withNewFieldRef()
                    .withFieldPath("metadata.name").endFieldRef().endValueFrom().build());
        }
        if (service.equals(Names.AUDIT_SIGNER)) {
            env.add(fromSecret("WARDEN_AUDIT_SIGNING_KEY", service + "-signing-key", "private"));
            env.add(fromSecret("WARDEN_AUDIT_SIGNING_PUBLIC_KEY", service + "-signing-key", "public"));
        }
        return env;
    }

    private static EnvVar fromSecret(String name, String secret, String key) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewSecretKeyRef()
                .withName(secret).withKey(key).endSecretKeyRef().endValueFrom().build();
    }

    private static EnvVar fromConfigMap(String name, String configMap, String key) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewConfigMapKeyRef()
                .withName(configMap).withKey(key).endConfigMapKeyRef().endValueFrom().build();
    }

    private static Probe probe(String path, int period, int failures) {
        return new ProbeBuilder().withNewHttpGet().withPath(path).withNewPort("http").endHttpGet()
                .withPeriodSeconds(period).withTimeoutSeconds(2).withFailureThreshold(failures).build();
    }

    static ResourceRequirements resources(String cpu, String memory, String memoryLimit) {
        return new ResourceRequirementsBuilder()
                .addToRequests("cpu", new Quantity(cpu)).addToRequests("memory", new Quantity(memory))
                .addToLimits("memory", new Quantity(memoryLimit)).build();
    }

    private static SecurityContext containerSecurity() {
        return new SecurityContextBuilder().withRunAsNonRoot(true).withReadOnlyRootFilesystem(true)
                .withAllowPrivilegeEscalation(false).withPrivileged(false)
                .withNewCapabilities().withDrop("ALL").endCapabilities()
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile().build();
    }

    private static VolumeMount tmp() {
        return new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build();
    }

    /**
     * Only the gateway's pods reach the service, on its port; the service reaches PostgreSQL, Kafka, the OIDC
     * provider and DNS, and runner-service also the Kubernetes API (its engine runs agents as Jobs).
     */
    private static HasMetadata networkPolicy(String service, int port, boolean runner) {
        List<NetworkPolicyEgressRule> egress = new ArrayList<>(List.of(
                egress(pods(Map.of("cnpg.io/cluster", Names.POSTGRES)), tcp(Names.POSTGRES_PORT)),
                egress(pods(Map.of("strimzi.io/cluster", Names.KAFKA, "strimzi.io/kind", "Kafka")), tcp(Names.KAFKA_PORT)),
                egress(pods(Map.of("app", "keycloak", "app.kubernetes.io/instance", Names.KEYCLOAK)),
                        tcp(Names.KEYCLOAK_PORT)),
                egress(new NetworkPolicyPeerBuilder()
                                .withNewNamespaceSelector().addToMatchLabels("kubernetes.io/metadata.name", "kube-system")
                                .endNamespaceSelector()
                                .withNewPodSelector().addToMatchLabels("k8s-app", "kube-dns").endPodSelector().build(),
                        port("UDP", 53), port("TCP", 53))));
        if (runner) {
            // The API server is no pod: NetworkPolicy cannot name it, so its HTTPS ports are open to any address.
            egress.add(new NetworkPolicyEgressRuleBuilder().withPorts(tcp(443), tcp(6443)).build());
        }
        return new NetworkPolicyBuilder().withMetadata(meta(service)).withNewSpec()
                .withNewPodSelector().withMatchLabels(Names.selector(service)).endPodSelector()
                .withPolicyTypes("Ingress", "Egress")
                .addNewIngress()
                .addNewFrom().withNewNamespaceSelector().endNamespaceSelector()
                .withNewPodSelector().addToMatchLabels(GATEWAY_POD_LABEL, Names.GATEWAY).endPodSelector().endFrom()
                .withPorts(tcp(port))
                .endIngress()
                .withEgress(egress)
                .endSpec().build();
    }

    /** Every Warden service pod denies all traffic that no other policy admits. */
    public static HasMetadata defaultDeny() {
        return new NetworkPolicyBuilder().withMetadata(new ObjectMetaBuilder().withName("warden-default-deny")
                        .withLabels(Map.of("app.kubernetes.io/part-of", "warden")).build())
                .withNewSpec()
                .withNewPodSelector().addToMatchLabels("app.kubernetes.io/part-of", "warden").endPodSelector()
                .withPolicyTypes("Ingress", "Egress")
                .endSpec().build();
    }

    private static NetworkPolicyEgressRule egress(NetworkPolicyPeer to, NetworkPolicyPort... ports) {
        return new NetworkPolicyEgressRuleBuilder().withTo(to).withPorts(ports).build();
    }

    private static NetworkPolicyPeer pods(Map<String, String> labels) {
        return new NetworkPolicyPeerBuilder().withNewPodSelector().withMatchLabels(labels).endPodSelector().build();
    }

    private static NetworkPolicyPort tcp(int port) {
        return port("TCP", port);
    }

    private static NetworkPolicyPort port(String protocol, int port) {
        return new NetworkPolicyPortBuilder().withProtocol(protocol).withPort(new IntOrString(port)).build();
    }

    static ObjectMeta meta(String name) {
        String service = name.endsWith("-config") ? name.substring(0, name.length() - "-config".length()) : name;
        return new ObjectMetaBuilder().withName(name).withLabels(Names.labels(service)).build();
    }
}
