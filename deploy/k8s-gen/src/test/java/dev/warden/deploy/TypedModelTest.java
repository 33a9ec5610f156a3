package dev.warden.deploy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.Gateway;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.strimzi.api.kafka.model.kafka.Kafka;
import io.strimzi.api.kafka.model.nodepool.KafkaNodePool;
import io.strimzi.api.kafka.model.topic.KafkaTopic;
import io.strimzi.api.kafka.model.user.KafkaUser;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every rendered object parses into its kind's typed model (fabric8 for Kubernetes and the Gateway API, io.strimzi:api
 * for Strimzi) and nothing lands outside the model: the models keep unknown fields in {@code additionalProperties}
 * instead of failing, so the test walks every parsed object and fails on any non-empty one, besides Jackson's
 * FAIL_ON_UNKNOWN_PROPERTIES for the classes that have no such bag. The apiVersion must be the model's.
 */
class TypedModelTest {

    static final Map<String, Class<?>> TYPED = Map.ofEntries(
            Map.entry("Namespace", Namespace.class),
            Map.entry("ServiceAccount", ServiceAccount.class),
            Map.entry("ConfigMap", ConfigMap.class),
            Map.entry("Service", Service.class),
            Map.entry("Deployment", Deployment.class),
            Map.entry("StatefulSet", io.fabric8.kubernetes.api.model.apps.StatefulSet.class),
            Map.entry("PodDisruptionBudget", PodDisruptionBudget.class),
            Map.entry("NetworkPolicy", NetworkPolicy.class),
            Map.entry("ResourceQuota", io.fabric8.kubernetes.api.model.ResourceQuota.class),
            Map.entry("LimitRange", io.fabric8.kubernetes.api.model.LimitRange.class),
            Map.entry("ValidatingAdmissionPolicy",
                    io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy.class),
            Map.entry("ValidatingAdmissionPolicyBinding",
                    io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding.class),
            Map.entry("Role", Role.class),
            Map.entry("RoleBinding", RoleBinding.class),
            Map.entry("Gateway", Gateway.class),
            Map.entry("HTTPRoute", HTTPRoute.class),
            Map.entry("Kafka", Kafka.class),
            Map.entry("KafkaNodePool", KafkaNodePool.class),
            Map.entry("KafkaTopic", KafkaTopic.class),
            Map.entry("KafkaUser", KafkaUser.class),
            Map.entry("ServiceMonitor", io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor.class),
            Map.entry("PrometheusRule", io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule.class));

    /** CloudNativePG and Keycloak publish no Java model on Maven Central: StructuralTest checks them. */
    static final Set<String> STRUCTURAL = Set.of("Cluster", "Database", "ScheduledBackup", "Keycloak",
            "KeycloakRealmImport");

    static final ObjectMapper STRICT = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    @Test
    void everyRenderedObjectParsesIntoItsTypedModelWithNoUnknownField() throws Exception {
        List<String> problems = new ArrayList<>();
        Set<String> kinds = new TreeSet<>();
        for (ObjectNode object : Yaml.rendered()) {
            String kind = object.path("kind").asText();
            kinds.add(kind);
            if (STRUCTURAL.contains(kind)) {
                continue;
            }
            Class<?> type = TYPED.get(kind);
            if (type == null) {
                problems.add(Yaml.id(object) + ": no typed model is known for this kind");
                continue;
            }
            problems.addAll(check(object, type));
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertTrue(kinds.containsAll(TYPED.keySet().stream().filter(k -> !k.startsWith("Role")).toList()),
                "every typed kind is rendered: " + kinds);
    }

    @Test
    void aMisspelledOrMisplacedFieldIsCaught() {
        ObjectNode deployment = Yaml.rendered().stream().filter(o -> o.path("kind").asText().equals("Deployment"))
                .findFirst().orElseThrow().deepCopy();
        ((ObjectNode) deployment.at("/spec/template/spec/containers/0")).put("imagePullPolicyy", "Always");
        List<String> problems = check(deployment, Deployment.class);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.getFirst().contains("imagePullPolicyy"), problems.getFirst());

        ObjectNode topic = Yaml.rendered().stream().filter(o -> o.path("kind").asText().equals("KafkaTopic"))
                .findFirst().orElseThrow().deepCopy();
        ((ObjectNode) topic.get("spec")).put("partition", 3);
        assertTrue(check(topic, KafkaTopic.class).getFirst().contains("partition"));

        ObjectNode route = Yaml.rendered().stream().filter(o -> o.path("kind").asText().equals("HTTPRoute"))
                .findFirst().orElseThrow().deepCopy();
        ((ObjectNode) route.at("/spec/rules/0/matches/0/path")).put("kind", "Prefix");
        assertTrue(check(route, HTTPRoute.class).getFirst().contains("kind"));
    }

    @Test
    void aWrongApiVersionIsCaught() {
        ObjectNode pdb = Yaml.rendered().stream().filter(o -> o.path("kind").asText().equals("PodDisruptionBudget"))
                .findFirst().orElseThrow().deepCopy();
        pdb.put("apiVersion", "policy/v1beta1");
        assertThrows(AssertionError.class, () -> {
            List<String> problems = check(pdb, PodDisruptionBudget.class);
            if (!problems.isEmpty()) {
                throw new AssertionError(problems);
            }
        });
    }

    static List<String> check(ObjectNode object, Class<?> type) {
        List<String> problems = new ArrayList<>();
        Object parsed;
        try {
            parsed = STRICT.treeToValue(object, type);
        } catch (Exception e) {
            return List.of(Yaml.id(object) + ": does not parse as " + type.getName() + ": " + e.getMessage());
        }
        walk(parsed, Yaml.id(object), problems, new IdentityHashMap<>());
        // The model's own apiVersion (fabric8 and Strimzi classes default it): a wrong group or version is caught.
        try {
            Object fresh = type.getConstructor().newInstance();
            String expected = (String) type.getMethod("getApiVersion").invoke(fresh);
            if (expected != null && !expected.equals(object.path("apiVersion").asText())) {
                problems.add(Yaml.id(object) + ": apiVersion " + object.path("apiVersion").asText() + ", the model's is "
                        + expected);
            }
        } catch (ReflectiveOperationException e) {
            problems.add(Yaml.id(object) + ": " + e);
        }
        return problems;
    }

    /** Fails on every non-empty additionalProperties below a typed object. */
    private static void walk(Object value, String path, List<String> problems, IdentityHashMap<Object, Boolean> seen) {
        if (value == null || seen.put(value, true) != null) {
            return;
        }
        if (value instanceof Collection<?> collection) {
            int i = 0;
            for (Object item : collection) {
                walk(item, path + "[" + i++ + "]", problems, seen);
            }
            return;
        }
        if (value instanceof Map<?, ?> map) {
            return; // free-form maps of the models: labels, data, Kafka config
        }
        String pkg = value.getClass().getPackageName();
        if (!pkg.startsWith("io.fabric8") && !pkg.startsWith("io.strimzi")) {
            return;
        }
        for (Method getter : value.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers())
                    || !(getter.getName().startsWith("get") || getter.getName().startsWith("is"))
                    || getter.getName().equals("getClass")) {
                continue;
            }
            Object child;
            try {
                child = getter.invoke(value);
            } catch (ReflectiveOperationException | RuntimeException e) {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties")) {
                if (child instanceof Map<?, ?> extra && !extra.isEmpty()) {
                    problems.add(path + ": unknown field(s) " + extra.keySet() + " in " + value.getClass().getSimpleName());
                }
                continue;
            }
            walk(child, path + "." + getter.getName().replaceFirst("^(get|is)", ""), problems, seen);
        }
    }

    @Test
    void noKindIsLeftUnchecked() {
        for (JsonNode object : Yaml.rendered()) {
            String kind = object.path("kind").asText();
            if (!TYPED.containsKey(kind) && !STRUCTURAL.contains(kind)) {
                fail(Yaml.id(object) + " is checked by no test");
            }
        }
    }
}
