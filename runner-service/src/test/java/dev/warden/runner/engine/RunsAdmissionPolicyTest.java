package dev.warden.runner.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The admission policy the manifests install in the runs' namespace (deploy/k8s/runs: a ValidatingAdmissionPolicy
 * over every Job there), evaluated with CEL as Kubernetes evaluates it: the Job the engine creates for a run of the
 * largest tier passes every rule, and a Job that a stolen runner-service credential might create instead (longer,
 * retried, with a token, a writable root, a second container, a host volume, no limits) is refused by its rule. Not a
 * cluster: the policy's binding and Kubernetes' own CEL libraries are not exercised (the rules use neither).
 */
@EnableKubernetesMockClient(crud = true)
class RunsAdmissionPolicyTest {

    static KubernetesClient client;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS).addVar("object", SimpleType.DYN).build();
    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();
    private static final Map<String, CelRuntime.Program> PROGRAMS = new HashMap<>();
    @Test
    void theJobOfARunOfEveryTierPassesEveryRuleAndEachDepartureIsRefusedByItsOwn() throws Exception {
        Map<String, String> rules = rules();
        assertTrue(rules.size() >= 9, rules.toString());
        Map<String, Limits> tiers = tiers();
        assertTrue(tiers.keySet().containsAll(List.of("free", "team", "enterprise")), tiers.keySet().toString());
        for (Limits tier : tiers.values()) {
            ObjectNode job = job(tier);
            for (String rule : rules.keySet()) {
                assertTrue(admits(rule, job), "the engine's Job of the " + tier.tier() + " tier fails: " + rules.get(rule));
            }
        }
        ObjectNode job = job(tiers.get("enterprise"));
        // Each departure, and the rule (by its message) that alone refuses it
        Map<Consumer<ObjectNode>, String> departures = new LinkedHashMap<>();
        departures.put(j -> spec(j).put("activeDeadlineSeconds", 601), "timeout");
        departures.put(j -> spec(j).remove("activeDeadlineSeconds"), "timeout");
        departures.put(j -> spec(j).put("backoffLimit", 3), "never retried");
        departures.put(j -> spec(j).remove("ttlSecondsAfterFinished"), "removed");
        departures.put(j -> spec(j).put("ttlSecondsAfterFinished", 86_400), "removed");
        departures.put(j -> spec(j).put("parallelism", 8), "one pod");
        departures.put(j -> spec(j).put("completions", 100), "one pod");
        departures.put(j -> pod(j).remove("automountServiceAccountToken"), "service account token");
        departures.put(j -> pod(j).put("automountServiceAccountToken", true), "service account token");
        departures.put(j -> ((ArrayNode) pod(j).get("containers")).add(container(j).deepCopy()), "one container");
        departures.put(j -> pod(j).putArray("initContainers").add(container(j).deepCopy()), "one container");
        departures.put(j -> container(j).withObjectProperty("securityContext").put("readOnlyRootFilesystem", false),
                "read-only");
        departures.put(j -> container(j).withObjectProperty("resources").remove("limits"), "limits");
        departures.put(j -> ((ArrayNode) pod(j).get("volumes")).addObject().put("name", "host")
                .putObject("hostPath").put("path", "/"), "scratch space");
        departures.put(j -> ((ObjectNode) pod(j).get("volumes").get(0).get("emptyDir")).remove("sizeLimit"), "scratch space");
        for (var departure : departures.entrySet()) {
            ObjectNode changed = job.deepCopy();
            departure.getKey().accept(changed);
            List<String> refusedBy = rules.keySet().stream().filter(rule -> !admits(rule, changed)).map(rules::get)
                    .toList();
            assertEquals(1, refusedBy.size(), departure.getValue() + ": " + refusedBy);
            assertTrue(refusedBy.getFirst().contains(departure.getValue()), departure.getValue() + ": " + refusedBy);
        }
    }

    /** The plan tiers runner-service is configured with (its application.properties), as the engine gets them. */
    private static Map<String, Limits> tiers() throws Exception {
        Properties config = new Properties();
        try (var in = Files.newInputStream(Path.of("src", "main", "resources", "application.properties"))) {
            config.load(in);
        }
        Map<String, Limits> tiers = new TreeMap<>();
        for (String name : config.stringPropertyNames()) {
            if (name.startsWith("warden.runner.tiers.")) {
                String tier = name.split("\\.")[3];
                java.util.function.Function<String, String> value = key -> config.getProperty("warden.runner.tiers." + tier + "." + key);
                tiers.put(tier, new Limits(tier, Double.parseDouble(value.apply("cpus")), Long.parseLong(value.apply("memory-mb")),
                        Duration.parse("PT" + value.apply("timeout").toUpperCase(Locale.ROOT)).toMillis(),
                        Long.parseLong(value.apply("pids")), Long.parseLong(value.apply("max-output-bytes")),
                        Boolean.parseBoolean(value.apply("network"))));
            }
        }
        return tiers;
    }

    /** The policy's rules as the manifests hold them: expression to message. */
    private static Map<String, String> rules() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        Path runs = Path.of("..", "deploy", "k8s", "runs", "runs.yaml");
        Map<String, String> rules = new LinkedHashMap<>();
        try (var parser = yaml.getFactory().createParser(runs.toFile())) {
            for (JsonNode document : yaml.readValues(parser, JsonNode.class).readAll()) {
                if ("ValidatingAdmissionPolicy".equals(document.path("kind").asText())) {
                    assertEquals("Fail", document.at("/spec/failurePolicy").asText());
                    document.at("/spec/validations").forEach(v -> rules.put(v.path("expression").asText(),
                            v.path("message").asText()));
                }
            }
        }
        return rules;
    }

    private static ObjectNode job(Limits limits) {
        RunSpec spec = new RunSpec(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), "localhost/warden/demo:1",
                limits, "policy-test");
        return JSON.valueToTree(Serialization.jsonMapper().convertValue(new KubernetesJobEngine(client, "warden-runs")
                .job(spec), Map.class));
    }

    /** CEL as the API server runs a validation: the Job as {@code object}; an error refuses as false does. */
    private static boolean admits(String expression, ObjectNode job) {
        try {
            return Boolean.TRUE.equals(PROGRAMS.computeIfAbsent(expression, RunsAdmissionPolicyTest::compile)
                    .eval(Map.of("object", cel(job))));
        } catch (dev.cel.runtime.CelEvaluationException e) {
            return false;
        }
    }

    /** Each rule compiled once, as the API server does when the policy is created. */
    private static CelRuntime.Program compile(String expression) {
        try {
            return RUNTIME.createProgram(COMPILER.compile(expression).getAst());
        } catch (dev.cel.common.CelValidationException | dev.cel.runtime.CelEvaluationException e) {
            throw new AssertionError("the rule does not compile: " + expression, e);
        }
    }

    /** JSON as CEL's values: objects as maps, arrays as lists, integers as int (long), the rest as they are. */
    private static Object cel(JsonNode node) {
        if (node.isObject()) {
            Map<String, Object> map = new LinkedHashMap<>();
            node.properties().forEach(e -> map.put(e.getKey(), cel(e.getValue())));
            return map;
        }
        if (node.isArray()) {
            List<Object> list = new ArrayList<>();
            node.forEach(item -> list.add(cel(item)));
            return list;
        }
        if (node.isIntegralNumber()) {
            return node.longValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        return node.isBoolean() ? node.booleanValue() : node.asText();
    }

    private static ObjectNode spec(ObjectNode job) {
        return (ObjectNode) job.get("spec");
    }

    private static ObjectNode pod(ObjectNode job) {
        return (ObjectNode) job.at("/spec/template/spec");
    }

    private static ObjectNode container(ObjectNode job) {
        return (ObjectNode) pod(job).get("containers").get(0);
    }
}
