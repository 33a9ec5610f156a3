package dev.warden.deploy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LimitRangeBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceQuotaBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.Validation;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidationBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBindingBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPortBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where agents run on Kubernetes: a namespace of their own, apart from Warden's. runner-service's engine creates each
 * run as a Job there, and its Role is there alone, so a Job it creates cannot mount Warden's Secrets (the schema
 * owner's, the signing key, the Kafka users') nor run as the operators' service accounts: those are in
 * {@link Names#NAMESPACE}. The namespace enforces Pod Security "restricted". Its NetworkPolicies deny every run all
 * traffic, and a run whose tier allows network ({@code dev.warden.runner.network: "true"} on its pod) reaches DNS and
 * the internet only: never the pod network, the nodes, the cloud's metadata endpoint nor any private address. A
 * LimitRange caps each run's container at the largest plan tier (and requires a limit), a ResourceQuota all runs at once.
 * A ValidatingAdmissionPolicy holds every Job created there to the shape of a run ({@link #JOB_RULES}), so runner-service's
 * credential, if stolen, starts nothing but a run: bounded in time, never retried, one pod of one read-only container,
 * bounded scratch volumes only, no service account token. (Which tier's network a Job's label asks for is runner-service's
 * to decide: the policy cannot tell a tier from a Job.)
 * Each object names its namespace itself; the kustomization sets none, so a namespace transformer cannot move them.
 */
public final class Runs {

    /** The label the engine puts on a run's pod (runner-service's KubernetesJobEngine.LABEL_NETWORK). */
    static final String NETWORK_LABEL = "dev.warden.runner.network";
    /** Private, shared, loopback and link-local (the cloud metadata endpoint) ranges, IPv4 and IPv6. */
    static final List<String> INTERNAL_V4 = List.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
            "127.0.0.0/8", "169.254.0.0/16", "0.0.0.0/8");
    static final List<String> INTERNAL_V6 = List.of("fc00::/7", "fe80::/10", "::1/128", "fd00:ec2::254/128");
    /**
     * NodeLocal DNSCache's address on every node (its default, link-local: inside the range refused above), so that a
     * run with network resolves names where the cluster runs that cache; its port 53 only, never the rest of the range.
     */
    static final String NODE_LOCAL_DNS = "169.254.20.10/32";
    /**
     * The most one run's container may ask for: runner-service's largest plan tier (its application.properties, the
     * enterprise tier). A Job asking for more, or for no limit, is refused by the cluster, whatever created it.
     */
    static final String MAX_CPU = "2";
    static final String MAX_MEMORY = "1Gi";
    /**
     * What all runs together may hold at once: pods, and their CPU and memory limits. runner-service stops at
     * {@code warden.runner.max-concurrent} (16) runs per replica; this is the cluster's own bound beside it, sized for
     * two replicas of free-tier runs. Size it to the nodes agents may use (a patch in the overlay).
     */
    static final Map<String, String> QUOTA = Map.of("pods", "32", "limits.cpu", "16", "limits.memory", "16Gi",
            "requests.cpu", "16", "requests.memory", "16Gi");

    /** The longest run: the largest plan tier's timeout (runner-service's application.properties, enterprise: 600 s). */
    static final int MAX_DEADLINE_SECONDS = 600;
    static final String JOB_POLICY = "warden-runs-jobs";

    /**
     * What a Job in the runs' namespace must be, as CEL over the Job ({@code object}) with the message a refusal gives:
     * the shape runner-service's KubernetesJobEngine gives every run (its test evaluates each rule on that Job).
     */
    static final Map<String, String> JOB_RULES = jobRules();

    private static Map<String, String> jobRules() {
        String pod = "object.spec.template.spec";
        Map<String, String> rules = new LinkedHashMap<>();
        rules.put("has(object.spec.activeDeadlineSeconds) && object.spec.activeDeadlineSeconds > 0"
                        + " && object.spec.activeDeadlineSeconds <= " + MAX_DEADLINE_SECONDS,
                "a run ends within the largest plan tier's timeout (activeDeadlineSeconds at most " + MAX_DEADLINE_SECONDS + ")");
        rules.put("has(object.spec.backoffLimit) && object.spec.backoffLimit == 0", "a run is never retried (backoffLimit 0)");
        rules.put("(!has(object.spec.parallelism) || object.spec.parallelism <= 1)"
                + " && (!has(object.spec.completions) || object.spec.completions <= 1)",
                "a run is one pod (parallelism and completions at most 1)");
        rules.put("has(object.spec.ttlSecondsAfterFinished) && object.spec.ttlSecondsAfterFinished <= 3600",
                "a finished run is removed within the hour (ttlSecondsAfterFinished)");
        rules.put("has(" + pod + ".automountServiceAccountToken) && " + pod + ".automountServiceAccountToken == false",
                "a run gets no service account token (automountServiceAccountToken: false)");
        rules.put("!has(" + pod + ".initContainers) && size(" + pod + ".containers) == 1", "a run is one container");
        rules.put(pod + ".containers.all(c, has(c.securityContext) && has(c.securityContext.readOnlyRootFilesystem)"
                + " && c.securityContext.readOnlyRootFilesystem == true)", "a run's root filesystem is read-only");
        rules.put(pod + ".containers.all(c, has(c.resources) && has(c.resources.limits) && 'cpu' in c.resources.limits"
                + " && 'memory' in c.resources.limits)", "a run has CPU and memory limits");
        rules.put("!has(" + pod + ".volumes) || " + pod + ".volumes.all(v, has(v.emptyDir) && has(v.emptyDir.sizeLimit))",
                "a run mounts bounded scratch space only (emptyDir volumes with a sizeLimit)");
        return rules;
    }

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
                new ResourceQuotaBuilder().withMetadata(meta("warden-runs")).withNewSpec()
                        .withHard(quantities(QUOTA)).endSpec().build(),
                new LimitRangeBuilder().withMetadata(meta("warden-runs")).withNewSpec()
                        .addNewLimit().withType("Container")
                        .withMax(quantities(Map.of("cpu", MAX_CPU, "memory", MAX_MEMORY))).endLimit()
                        .endSpec().build(),
                jobPolicy(),
                new ValidatingAdmissionPolicyBindingBuilder().withNewMetadata().withName(JOB_POLICY)
                        .withLabels(meta(JOB_POLICY).getLabels()).endMetadata()
                        .withNewSpec().withPolicyName(JOB_POLICY).withValidationActions("Deny")
                        .withNewMatchResources().withNewNamespaceSelector()
                        .addToMatchLabels("kubernetes.io/metadata.name", Names.RUNS_NAMESPACE).endNamespaceSelector()
                        .endMatchResources().endSpec().build(),
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
                        .addNewTo().withNewIpBlock().withCidr(NODE_LOCAL_DNS).endIpBlock().endTo()
                        .withPorts(new NetworkPolicyPortBuilder().withProtocol("UDP").withPort(new IntOrString(53)).build(),
                                new NetworkPolicyPortBuilder().withProtocol("TCP").withPort(new IntOrString(53)).build())
                        .endEgress()
                        .addNewEgress()
                        .addNewTo().withNewIpBlock().withCidr("0.0.0.0/0").withExcept(INTERNAL_V4).endIpBlock().endTo()
                        .addNewTo().withNewIpBlock().withCidr("::/0").withExcept(INTERNAL_V6).endIpBlock().endTo()
                        .endEgress()
                        .endSpec().build());
    }

    /** Cluster-scoped, bound to the runs' namespace alone; a rule that cannot be evaluated refuses the Job too. */
    private static HasMetadata jobPolicy() {
        List<Validation> validations = new ArrayList<>();
        JOB_RULES.forEach((expression, message) ->
                validations.add(new ValidationBuilder().withExpression(expression).withMessage(message).build()));
        return new ValidatingAdmissionPolicyBuilder().withNewMetadata().withName(JOB_POLICY)
                .withLabels(meta(JOB_POLICY).getLabels()).endMetadata()
                .withNewSpec().withFailurePolicy("Fail")
                .withNewMatchConstraints()
                .addNewResourceRule().withApiGroups("batch").withApiVersions("v1").withOperations("CREATE", "UPDATE")
                .withResources("jobs").endResourceRule()
                .withNewNamespaceSelector().addToMatchLabels("kubernetes.io/metadata.name", Names.RUNS_NAMESPACE)
                .endNamespaceSelector()
                .endMatchConstraints()
                .withValidations(validations)
                .endSpec().build();
    }

    private static Map<String, Quantity> quantities(Map<String, String> amounts) {
        Map<String, Quantity> sorted = new TreeMap<>();
        amounts.forEach((name, amount) -> sorted.put(name, new Quantity(amount)));
        return sorted;
    }

    private static ObjectMeta meta(String name) {
        return new ObjectMetaBuilder().withName(name).withNamespace(Names.RUNS_NAMESPACE)
                .withLabels(Map.of("app.kubernetes.io/name", Names.RUNNER, "app.kubernetes.io/part-of", "warden")).build();
    }
}
