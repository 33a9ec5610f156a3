package dev.warden.runner.engine;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kubernetes Jobs backend against fabric8's mock API server (CRUD mode): a mock, not a cluster. The test plays the
 * cluster's part: once the Job exists it adds its pod, terminated as the case needs, and sets the Job's status.
 */
@EnableKubernetesMockClient(crud = true)
class KubernetesJobEngineTest {

    private static final String NS = "warden-runs";
    static KubernetesClient client;
    static KubernetesMockServer server;

    private final Limits limits = new Limits("test", 0.5, 32, 30_000, 32, 65_536, false);

    @Test
    void aJobIsCreatedWithTheTiersLimitsAndConfinementAndItsSuccessAndLogAreReportedThenItIsDeleted() throws Exception {
        KubernetesJobEngine engine = new KubernetesJobEngine(client, NS);
        RunSpec spec = spec();
        CompletableFuture<RunResult> run = CompletableFuture.supplyAsync(() -> engine.run(spec, new OutputCollector(65_536)));

        Job job = awaitJob(spec);
        Container container = job.getSpec().getTemplate().getSpec().getContainers().getFirst();
        assertEquals("localhost/warden/demo:1", container.getImage());
        assertEquals("32Mi", container.getResources().getLimits().get("memory").toString());
        assertEquals("500m", container.getResources().getLimits().get("cpu").toString());
        assertEquals(30L, job.getSpec().getActiveDeadlineSeconds());
        assertEquals(0, job.getSpec().getBackoffLimit());
        assertEquals(65534L, container.getSecurityContext().getRunAsUser());
        assertTrue(container.getSecurityContext().getReadOnlyRootFilesystem());
        assertEquals(false, container.getSecurityContext().getAllowPrivilegeEscalation());
        assertEquals(List.of("ALL"), container.getSecurityContext().getCapabilities().getDrop());
        assertEquals(false, job.getSpec().getTemplate().getSpec().getAutomountServiceAccountToken());
        // The runs' namespace enforces Pod Security "restricted" (deploy/k8s/runs): a pod breaking it is never created
        assertEquals(List.of(), restrictedViolations(job.getSpec().getTemplate().getSpec()));
        assertEquals("/tmp", container.getVolumeMounts().getFirst().getMountPath());
        assertEquals("Memory", job.getSpec().getTemplate().getSpec().getVolumes().getFirst().getEmptyDir().getMedium());
        assertEquals(spec.executionId().toString(), job.getMetadata().getLabels().get(ContainerEngine.LABEL_EXECUTION));
        // The pod says whether its tier allows network: deploy/k8s/runs' NetworkPolicies enforce it by this label
        assertEquals("false", job.getSpec().getTemplate().getMetadata().getLabels().get(KubernetesJobEngine.LABEL_NETWORK));
        RunSpec networked = new RunSpec(spec.executionId(), spec.orgId(), spec.agentId(), spec.image(),
                new Limits("team", 0.5, 32, 30_000, 32, 65_536, true), spec.instance(),
                Map.of("WARDEN_AGENT_CONFIG", "{\"mode\":\"$(HOME) $$\"}"));
        // What the container is told (ExecutionService.environment) is its env, as the Docker engine's, with $ escaped:
        // Kubernetes would expand $(HOME) and make $$ one $
        assertEquals(List.of(), container.getEnv());
        assertEquals("{\"mode\":\"$$(HOME) $$$$\"}", engine.job(networked).getSpec().getTemplate().getSpec().getContainers()
                .getFirst().getEnv().getFirst().getValue());
        assertEquals("true", engine.job(networked).getSpec().getTemplate().getMetadata().getLabels()
                .get(KubernetesJobEngine.LABEL_NETWORK));

        String pod = terminate(spec, 0, "Completed");
        server.expect().get().withPath("/api/v1/namespaces/" + NS + "/pods/" + pod + "/log?pretty=false&limitBytes=65537")
                .andReturn(200, "hello\nworld\n").always();
        complete(job, true, null);

        RunResult result = run.get(30, TimeUnit.SECONDS);
        assertEquals(Outcome.SUCCESS, result.status());
        assertEquals(0, result.exitCode());
        assertEquals(List.of("hello", "world"), result.stdout());
        assertEquals("sha256:" + "a".repeat(64), result.imageDigest());
        assertNull(client.batch().v1().jobs().inNamespace(NS).withName(job.getMetadata().getName()).get(), "deleted");
    }

    @Test
    void anOomKilledPodIsOomAndAJobPastItsDeadlineIsATimeout() throws Exception {
        KubernetesJobEngine engine = new KubernetesJobEngine(client, NS);
        RunSpec oom = spec();
        CompletableFuture<RunResult> first = CompletableFuture.supplyAsync(() -> engine.run(oom, new OutputCollector(1024)));
        Job job = awaitJob(oom);
        terminate(oom, 137, "OOMKilled");
        complete(job, false, "BackoffLimitExceeded");
        assertEquals(Outcome.OOM, first.get(30, TimeUnit.SECONDS).status());

        RunSpec slow = spec();
        CompletableFuture<RunResult> second = CompletableFuture.supplyAsync(() -> engine.run(slow, new OutputCollector(1024)));
        complete(awaitJob(slow), false, "DeadlineExceeded");
        assertEquals(Outcome.TIMEOUT, second.get(30, TimeUnit.SECONDS).status());
    }

    /**
     * A pod whose image cannot be pulled waits in the kubelet's back-off for as long as the Job lives: the run ends at
     * once as {@code error} with the kubelet's reason, not as a {@code timeout} at the tier's deadline, and its Job
     * is deleted.
     */
    @Test
    void aContainerWhoseImageCannotBePulledIsAnErrorAtOnceNotATimeout() throws Exception {
        KubernetesJobEngine engine = new KubernetesJobEngine(client, NS);
        RunSpec spec = spec();
        CompletableFuture<RunResult> run = CompletableFuture.supplyAsync(() -> engine.run(spec, new OutputCollector(1024)));
        Job job = awaitJob(spec);
        waiting(spec, "ContainerCreating", null);
        String pod = KubernetesJobEngine.name(spec.executionId()) + "-x1";
        // A pod that is still being created is left to start: once the engine has looked at it, the run goes on
        while (server.takeRequest(50, TimeUnit.MILLISECONDS) != null) {
            // what was asked before the pod existed
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            var request = server.takeRequest(100, TimeUnit.MILLISECONDS);
            return request != null && request.getPath().startsWith("/api/v1/namespaces/" + NS + "/pods?");
        });
        assertFalse(run.isDone(), "a pod being created is not a run that cannot start");
        Pod pulling = client.pods().inNamespace(NS).withName(pod).get();
        pulling.getStatus().getContainerStatuses().getFirst().getState().getWaiting().setReason("ImagePullBackOff");
        pulling.getStatus().getContainerStatuses().getFirst().getState().getWaiting()
                .setMessage("Back-off pulling image \"localhost/warden/demo:1\"");
        client.pods().inNamespace(NS).resource(pulling).updateStatus();

        RunResult result = run.get(10, TimeUnit.SECONDS);
        assertEquals(Outcome.ERROR, result.status());
        assertEquals("the container could not start (ImagePullBackOff): Back-off pulling image \"localhost/warden/demo:1\"",
                result.error());
        assertNull(client.batch().v1().jobs().inNamespace(NS).withName(job.getMetadata().getName()).get(), "deleted");
    }

    /** A pod no node can take ends at the tier's deadline as a timeout that says so, not as a bare one. */
    @Test
    void aPodNeverScheduledIsATimeoutThatSaysWhy() throws Exception {
        KubernetesJobEngine engine = new KubernetesJobEngine(client, NS);
        RunSpec spec = spec();
        CompletableFuture<RunResult> run = CompletableFuture.supplyAsync(() -> engine.run(spec, new OutputCollector(1024)));
        Job job = awaitJob(spec);
        String name = KubernetesJobEngine.name(spec.executionId());
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName(name + "-x1").withNamespace(NS)
                .withLabels(Map.of("job-name", name)).endMetadata()
                .withNewStatus().withPhase("Pending").addNewCondition().withType("PodScheduled").withStatus("False")
                .withReason("Unschedulable").withMessage("0/3 nodes are available: 3 Insufficient memory.").endCondition()
                .endStatus().build()).create();
        complete(job, false, "DeadlineExceeded");

        RunResult result = run.get(30, TimeUnit.SECONDS);
        assertEquals(Outcome.TIMEOUT, result.status());
        assertEquals("the pod was never scheduled before the deadline (Unschedulable): 0/3 nodes are available: 3 "
                + "Insufficient memory.", result.error());

        RunSpec ran = spec();
        CompletableFuture<RunResult> killed = CompletableFuture.supplyAsync(() -> engine.run(ran, new OutputCollector(1024)));
        Job running = awaitJob(ran);
        pod(ran, new ContainerStateBuilder().withNewRunning().endRunning().build());
        complete(running, false, "DeadlineExceeded");
        assertEquals(Outcome.TIMEOUT, killed.get(30, TimeUnit.SECONDS).status());
        assertNull(killed.get().error(), "a container that ran is a plain timeout");
    }

    @Test
    void orphanedJobsOfThisInstanceAreDeletedAndNamed() {
        KubernetesJobEngine engine = new KubernetesJobEngine(client, NS);
        RunSpec spec = spec();
        client.batch().v1().jobs().inNamespace(NS).resource(engine.job(spec)).create();
        RunSpec other = new RunSpec(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), "img", limits, "another");
        client.batch().v1().jobs().inNamespace(NS).resource(engine.job(other)).create();

        String pod = pod(spec, new ContainerStateBuilder().withNewRunning().endRunning().build());
        server.expect().get().withPath("/api/v1/namespaces/" + NS + "/pods/" + pod + "/log?pretty=false&limitBytes=65537")
                .andReturn(200, "working\nstill working\n").always();

        List<ContainerEngine.Orphan> orphans = engine.reapOrphans("k8s-test");

        assertEquals(List.of(spec.executionId()), orphans.stream().map(ContainerEngine.Orphan::executionId).toList());
        // What it printed until then, read before the Job went: the run's record keeps it
        assertEquals(List.of("working", "still working"), orphans.getFirst().stdout());
        assertEquals(spec.orgId(), orphans.getFirst().orgId());
        assertEquals("sha256:" + "a".repeat(64), orphans.getFirst().imageDigest());
        assertNull(client.batch().v1().jobs().inNamespace(NS).withName(KubernetesJobEngine.name(spec.executionId())).get());
        assertEquals(1, client.batch().v1().jobs().inNamespace(NS).withLabel(ContainerEngine.LABEL_INSTANCE, "another")
                .list().getItems().size());
    }

    private RunSpec spec() {
        return new RunSpec(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID(), "localhost/warden/demo:1", limits,
                "k8s-test");
    }

    private static Job awaitJob(RunSpec spec) {
        String name = KubernetesJobEngine.name(spec.executionId());
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() ->
                client.batch().v1().jobs().inNamespace(NS).withName(name).get() != null);
        return client.batch().v1().jobs().inNamespace(NS).withName(name).get();
    }

    /** The cluster's part: the Job's pod, its container waiting for {@code reason}. */
    private static void waiting(RunSpec spec, String reason, String message) {
        pod(spec, new ContainerStateBuilder().withNewWaiting().withReason(reason).withMessage(message).endWaiting().build());
    }

    /** The cluster's part: the Job's pod, its container terminated with {@code exit} for {@code reason}. */
    private static String terminate(RunSpec spec, int exit, String reason) {
        return pod(spec, new ContainerStateBuilder().withNewTerminated().withExitCode(exit).withReason(reason)
                .endTerminated().build());
    }

    /** The Job's pod, its one container in {@code state}; answers its name. */
    private static String pod(RunSpec spec, ContainerState state) {
        String job = KubernetesJobEngine.name(spec.executionId());
        Pod pod = new PodBuilder().withNewMetadata().withName(job + "-x1").withNamespace(NS)
                .withLabels(Map.of("job-name", job)).endMetadata()
                .withNewStatus().addNewContainerStatus().withName("agent").withImageID("docker.io/x@sha256:" + "a".repeat(64))
                .withState(state).endContainerStatus().endStatus().build();
        client.pods().inNamespace(NS).resource(pod).create();
        return pod.getMetadata().getName();
    }

    /**
     * What the Pod Security Standards' "restricted" profile (Kubernetes 1.30, baseline included) finds wrong with a pod,
     * control by control as the standard lists them; empty when the pod is admitted. A reading of the standard, not the
     * admission plugin itself (no cluster here).
     */
    static List<String> restrictedViolations(PodSpec pod) {
        List<String> found = new ArrayList<>();
        if (Boolean.TRUE.equals(pod.getHostNetwork()) || Boolean.TRUE.equals(pod.getHostPID())
                || Boolean.TRUE.equals(pod.getHostIPC())) {
            found.add("host namespaces");
        }
        Set<String> volumeTypes = Set.of("configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                "projected", "secret");
        for (Volume volume : pod.getVolumes()) {
            Map<String, Object> fields = new ObjectMapper().convertValue(volume, new TypeReference<>() { });
            fields.keySet().stream().filter(k -> !k.equals("name") && !volumeTypes.contains(k))
                    .forEach(k -> found.add("volume " + volume.getName() + " of type " + k));
        }
        PodSecurityContext podContext = pod.getSecurityContext();
        boolean podNonRoot = podContext != null && Boolean.TRUE.equals(podContext.getRunAsNonRoot());
        String podSeccomp = podContext == null || podContext.getSeccompProfile() == null ? null
                : podContext.getSeccompProfile().getType();
        if (podContext != null) {
            if (Long.valueOf(0).equals(podContext.getRunAsUser())) {
                found.add("pod runs as root");
            }
            if ("Unconfined".equals(podSeccomp)) {
                found.add("pod seccomp Unconfined");
            }
            if (podContext.getSysctls() != null && !podContext.getSysctls().isEmpty()) {
                found.add("sysctls");
            }
        }
        List<Container> containers = new ArrayList<>(pod.getContainers());
        containers.addAll(pod.getInitContainers());
        for (Container c : containers) {
            SecurityContext sc = c.getSecurityContext();
            if (sc == null) {
                found.add(c.getName() + ": no securityContext");
                continue;
            }
            if (Boolean.TRUE.equals(sc.getPrivileged())) {
                found.add(c.getName() + ": privileged");
            }
            if (!Boolean.FALSE.equals(sc.getAllowPrivilegeEscalation())) {
                found.add(c.getName() + ": allowPrivilegeEscalation not false");
            }
            if (!podNonRoot && !Boolean.TRUE.equals(sc.getRunAsNonRoot()) || Boolean.FALSE.equals(sc.getRunAsNonRoot())) {
                found.add(c.getName() + ": runAsNonRoot not true");
            }
            if (Long.valueOf(0).equals(sc.getRunAsUser())) {
                found.add(c.getName() + ": runs as root");
            }
            String seccomp = sc.getSeccompProfile() == null ? podSeccomp : sc.getSeccompProfile().getType();
            if (!"RuntimeDefault".equals(seccomp) && !"Localhost".equals(seccomp)) {
                found.add(c.getName() + ": seccomp profile " + seccomp);
            }
            if (sc.getCapabilities() == null || !sc.getCapabilities().getDrop().contains("ALL")) {
                found.add(c.getName() + ": capabilities not dropped");
            } else if (sc.getCapabilities().getAdd().stream().anyMatch(a -> !a.equals("NET_BIND_SERVICE"))) {
                found.add(c.getName() + ": capabilities added");
            }
            if (sc.getProcMount() != null && !sc.getProcMount().equals("Default")) {
                found.add(c.getName() + ": procMount");
            }
            if (sc.getSeLinuxOptions() != null && (sc.getSeLinuxOptions().getUser() != null || sc.getSeLinuxOptions().getRole() != null)) {
                found.add(c.getName() + ": seLinux user or role");
            }
            if (c.getPorts().stream().anyMatch(port -> port.getHostPort() != null && port.getHostPort() != 0)) {
                found.add(c.getName() + ": host port");
            }
        }
        return found;
    }

    private static void complete(Job job, boolean succeeded, String reason) {
        Job done = new JobBuilder(job).withNewStatus()
                .withSucceeded(succeeded ? 1 : 0).withFailed(succeeded ? 0 : 1)
                .addNewCondition().withType(succeeded ? "Complete" : "Failed").withStatus("True").withReason(reason)
                .endCondition().endStatus().build();
        client.batch().v1().jobs().inNamespace(NS).resource(done).updateStatus();
    }
}
