package dev.warden.deploy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;

import java.util.List;
import java.util.Map;

/**
 * Where agents run on Kubernetes: a namespace of their own, apart from Warden's. runner-service's engine creates each
 * run as a Job there, and its Role is there alone, so a Job it creates cannot mount Warden's Secrets (the schema
 * owner's, the signing key, the Kafka users') nor run as the operators' service accounts: those are in
 * {@link Names#NAMESPACE}. The namespace enforces Pod Security "restricted". Its NetworkPolicies deny every run all
 * traffic, and a run whose tier allows network ({@code dev.warden.runner.network: "true"} on its pod) reaches DNS and
 * the internet only: never the pod network, the nodes, the cloud's metadata endpoint nor any private address.
 * Each object names its namespace itself; the kustomization sets none, so a namespace transformer cannot move them.
 */
public final class Runs {

    /** The label the engine puts on a run's pod (runner-service's KubernetesJobEngine.LABEL_NETWORK). */
    static final String NETWORK_LABEL = "dev.warden.runner.network";
    /** Private, shared, loopback and link-local (the cloud metadata endpoint) ranges, IPv4 and IPv6. */
    static final List<String> INTERNAL_V4 = List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
            "127.0.0.0/8", "169.254.0.0/16", "0.0.0.0/8");
    static final List<String> INTERNAL_V6 = List.of("fc00::/7", "fe80::/10", "::1/128", "fd00:ec2::254/128");

    private Runs() {
    }

    public static List<HasMetadata> objects() {
        return List.of(
                new NamespaceBuilder().withNewMetadata().withName(Names.RUNS_NAMESPACE)
                        .addToLabels("app.kubernetes.io/part-of", "warden")
                        .addToLabels("pod-security.kubernetes.io/enforce", "restricted")
                        .addToLabels("pod-security.kubernetes.io/warn", "restricted")
                        .addToLabels("pod-security.kubernetes.io/audit", "restricted")
                        .endMetadata().build(),
                new RoleBuilder().withMetadata(meta(Names.RUNNER)).withRules(
                                new PolicyRuleBuilder().withApiGroups("batch").withResources("jobs")
                                        .withVerbs("create", "get", "list", "delete").build(),
                                new PolicyRuleBuilder().withApiGroups("").withResources("pods")
                                        .withVerbs("get", "list").build(),
                                new PolicyRuleBuilder().withApiGroups("").withResources("pods/log").withVerbs("get").build())
                        .build(),
                new RoleBindingBuilder().withMetadata(meta(Names.RUNNER))
                        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName(Names.RUNNER)
                        .endRoleRef()
                        .addNewSubject().withKind("ServiceAccount").withName(Names.RUNNER).withNamespace(Names.NAMESPACE)
                        .endSubject().build(),
                new NetworkPolicyBuilder().withMetadata(meta("warden-runs-default-deny")).withNewSpec()
                        .withNewPodSelector().endPodSelector()
                        .withPolicyTypes("Ingress", "Egress")
                        .endSpec().build(),
                new NetworkPolicyBuilder().withMetadata(meta("warden-runs-internet")).withNewSpec()
                        .withNewPodSelector().addToMatchLabels(NETWORK_LABEL, "true").endPodSelector()
                        .withPolicyTypes("Egress")
                        .addNewEgress()
                        .addNewTo().withNewNamespaceSelector().addToMatchLabels("kubernetes.io/metadata.name", "kube-system")
                        .endNamespaceSelector().withNewPodSelector().addToMatchLabels("k8s-app", "kube-dns").endPodSelector()
                        .endTo()
                        .withPorts(new NetworkPolicyPortBuilder().withProtocol("UDP").withPort(new IntOrString(53)).build(),
                                new NetworkPolicyPortBuilder().withProtocol("TCP").withPort(new IntOrString(53)).build())
                        .endEgress()
                        .addNewEgress()
                        .addNewTo().withNewIpBlock().withCidr("0.0.0.0/0").withExcept(INTERNAL_V4).endIpBlock().endTo()
                        .addNewTo().withNewIpBlock().withCidr("::/0").withExcept(INTERNAL_V6).endIpBlock().endTo()
                        .endEgress()
                        .endSpec().build());
    }

    private static ObjectMeta meta(String name) {
        return new ObjectMetaBuilder().withName(name).withNamespace(Names.RUNS_NAMESPACE)
                .withLabels(Map.of("app.kubernetes.io/name", Names.RUNNER, "app.kubernetes.io/part-of", "warden")).build();
    }
}
