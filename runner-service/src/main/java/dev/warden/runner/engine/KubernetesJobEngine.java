package dev.warden.runner.engine;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Kubernetes Jobs through the fabric8 client: one Job per run (no retries, {@code activeDeadlineSeconds} from the
 * tier, CPU and memory limits, a non-root read-only container without capabilities or privilege escalation, no service
 * account token), polled until it succeeds or fails; the pod's exit code and reason decide the outcome
 * ({@code OOMKilled} is {@code oom}, the Job's {@code DeadlineExceeded} or the service's own deadline is
 * {@code timeout}); the pod's log is the output (Kubernetes merges stdout and stderr: all of it is stdout here); the
 * Job is always deleted with its pods. A container that cannot start (its image cannot be pulled) ends the run as
 * {@code error} with the kubelet's reason, as an image missing from the Docker engine does. Tested only against
 * fabric8's mock API server (no cluster runs here).
 * Not enforced by a Job itself: the pids limit (a kubelet setting, {@code podPidsLimit}) and "no network" (a
 * NetworkPolicy denying all traffic to pods labelled {@code dev.warden.runner.instance}, installed with the service).
 */
public final class KubernetesJobEngine implements ContainerEngine {

    private static final Logger LOG = Logger.getLogger(KubernetesJobEngine.class);
    private static final long POLL_MS = 200;
    /** Every how many polls of the Job its pod is looked at for a container that cannot start. */
    private static final int STUCK_EVERY = 5;
    /**
     * A container waiting for one of these never starts by itself in time: the kubelet retries a pull that failed
     * (unknown image or tag, a registry refusing the cluster's credentials) with a back-off for as long as the Job
     * lives, and the run would have ended as {@code timeout} at the tier's deadline, up to ten minutes later. A first
     * {@code ErrImagePull} is not among them: the kubelet tries once more before its back-off, which a passing registry
     * failure may survive.
     */
    static final Set<String> CANNOT_START = Set.of("ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull",
            "CreateContainerConfigError");
    private static final int MAX_REASON = 500;

    private final KubernetesClient client;
    private final String namespace;

    /** {@code "true"} on a run's pod whose tier allows network, {@code "false"} otherwise. */
    public static final String LABEL_NETWORK = "dev.warden.runner.network";

    public KubernetesJobEngine(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    @Override
    public boolean available() {
        try {
            client.batch().v1().jobs().inNamespace(namespace).list();
            return true;
        } catch (KubernetesClientException e) {
            return false;
        }
    }

    /** The Job of a run, as it is created. */
    Job job(RunSpec spec) {
        Limits limits = spec.limits();
        // The tier's network is the cluster's NetworkPolicies' to enforce, by this label (deploy/k8s/runs): none
        // unless the tier allows it, and then the internet only, never the cluster's or the cloud's internal addresses.
        Map<String, String> labels = new HashMap<>(ContainerEngine.labels(spec));
        labels.put(LABEL_NETWORK, String.valueOf(limits.network()));
        Quantity cpu = new Quantity(Math.round(limits.cpus() * 1000) + "m");
        Quantity memory = new Quantity(limits.memoryMb() + "Mi");
        return new JobBuilder()
                .withNewMetadata().withName(name(spec.executionId())).withNamespace(namespace).withLabels(labels).endMetadata()
                .withNewSpec()
                .withBackoffLimit(0)
                .withActiveDeadlineSeconds(Math.max(1, (limits.timeoutMs() + 999) / 1000))
                .withTtlSecondsAfterFinished(600)
                .withNewTemplate()
                .withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                // Pod Security "restricted", which the runs' namespace enforces, refuses a pod without a seccomp
                // profile: the runtime's default, as for Warden's own pods
                .withNewSecurityContext()
                .withRunAsNonRoot(true).withRunAsUser(DockerEngine.NOBODY).withRunAsGroup(DockerEngine.NOBODY)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext()
                // The root filesystem is read-only; /tmp is a small in-memory volume, as the containers' tmpfs
                .addNewVolume().withName("tmp").withNewEmptyDir().withMedium("Memory")
                .withSizeLimit(new Quantity(DockerEngine.TMP_SIZE_MB + "Mi")).endEmptyDir().endVolume()
                .addNewContainer()
                .withName("agent")
                .withImage(spec.image())
                // Kubernetes expands $(NAME) in a value and makes $$ one $: escaped, the container sees the value as
                // the Docker engine passes it
                .withEnv(spec.environment().entrySet().stream().map(e -> new EnvVarBuilder().withName(e.getKey())
                        .withValue(e.getValue().replace("$", "$$")).build()).toList())
                .withNewResources()
                .addToLimits("cpu", cpu).addToLimits("memory", memory)
                .addToRequests("cpu", cpu).addToRequests("memory", memory)
                .endResources()
                .withNewSecurityContext()
                .withRunAsNonRoot(true).withRunAsUser(DockerEngine.NOBODY).withRunAsGroup(DockerEngine.NOBODY)
                .withReadOnlyRootFilesystem(true).withAllowPrivilegeEscalation(false)
                .withNewCapabilities().addToDrop("ALL").endCapabilities()
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                .endSecurityContext()
                .addNewVolumeMount().withName("tmp").withMountPath("/tmp").endVolumeMount()
                .endContainer()
                .endSpec()
                .endTemplate()
                .endSpec()
                .build();
    }

    @Override
    public RunResult run(RunSpec spec, OutputCollector output) {
        String name = name(spec.executionId());
        long begin = System.nanoTime();
        try {
            client.batch().v1().jobs().inNamespace(namespace).resource(job(spec)).create();
        } catch (KubernetesClientException e) {
            output.finish();
            return RunResult.error("the Job could not be created: " + e.getMessage(), millisSince(begin), null);
        }
        try {
            long deadline = begin + TimeUnit.MILLISECONDS.toNanos(spec.limits().timeoutMs());
            boolean timedOut = false;
            Job job;
            Pod seen = null; // the pod as last looked at, in case the Job's end takes it away
            for (int polls = 1; ; polls++) {
                job = client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
                if (job == null) {
                    output.finish();
                    return RunResult.error("the Job disappeared", millisSince(begin), null);
                }
                if (finished(job)) {
                    break;
                }
                String stuck = null;
                if (polls % STUCK_EVERY == 0) {
                    Pod now = pod(name);
                    seen = now != null ? now : seen;
                    stuck = stuck(now);
                }
                if (stuck != null) {
                    output.finish();
                    return RunResult.error(stuck, millisSince(begin), null);
                }
                if (System.nanoTime() >= deadline) {
                    timedOut = true;
                    break;
                }
                Thread.sleep(POLL_MS);
            }
            long duration = millisSince(begin);
            Pod pod = pod(name);
            ContainerStateTerminated terminated = terminated(pod);
            String digest = pod == null ? null : imageDigest(pod);
            readLog(pod, output);
            output.finish();
            boolean deadlineExceeded = timedOut || condition(job, "Failed", "DeadlineExceeded");
            Integer exit = terminated == null ? null : terminated.getExitCode();
            boolean oom = terminated != null && "OOMKilled".equals(terminated.getReason());
            Outcome status = deadlineExceeded ? Outcome.TIMEOUT
                    : exit == null ? Outcome.ERROR : Outcome.of(exit, false, oom);
            String why = status == Outcome.ERROR ? "the Job ended without a terminated container"
                    : status == Outcome.TIMEOUT && terminated == null ? notStarted(pod != null ? pod : seen) : null;
            return new RunResult(status, exit, duration, output.stdout(), output.stderr(), output.truncated(), digest, why);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            output.finish();
            return RunResult.interrupted(output, millisSince(begin), null);
        } catch (KubernetesClientException e) {
            output.finish();
            return RunResult.error("the cluster failed: " + e.getMessage(), millisSince(begin), null);
        } finally {
            delete(name);
        }
    }

    @Override
    public List<Orphan> reapOrphans(String instance) {
        List<Orphan> orphans = new ArrayList<>();
        for (Job job : client.batch().v1().jobs().inNamespace(namespace)
                .withLabel(LABEL_INSTANCE, instance).list().getItems()) {
            Map<String, String> labels = job.getMetadata().getLabels();
            String name = job.getMetadata().getName();
            OutputCollector printed = new OutputCollector(ContainerEngine.maxOutput(labels));
            Pod pod = null;
            try {
                pod = pod(name);
                readLog(pod, printed);
            } catch (KubernetesClientException e) {
                // The Job goes all the same: its output is what the record lacks
                LOG.warnf("Could not read the log of Job %s before deleting it: %s", name, e.getMessage());
            }
            delete(name);
            try {
                orphans.add(Orphan.of(labels, name, printed, pod == null ? null : imageDigest(pod)));
            } catch (RuntimeException e) {
                LOG.warnf("Deleted Job %s with malformed Warden labels %s", job.getMetadata().getName(), labels);
            }
        }
        return orphans;
    }

    /** Reads {@code pod}'s log into {@code output}, up to its cap (none for no pod, or one the kubelet has no log of). */
    private void readLog(Pod pod, OutputCollector output) {
        if (pod == null || output.maxBytes() == 0) {
            return;
        }
        try {
            // No more than one byte past the cap is asked for (the collector then knows it is cut): a pod that
            // printed until its deadline does not become a string as large as the kubelet kept
            String log = client.pods().inNamespace(namespace).withName(pod.getMetadata().getName())
                    .limitBytes((int) Math.min(Integer.MAX_VALUE, output.maxBytes() + 1)).getLog();
            if (log != null) {
                output.accept(OutputCollector.Stream.STDOUT, log.getBytes(StandardCharsets.UTF_8));
            }
        } catch (KubernetesClientException e) {
            LOG.debugf("no log of %s: %s", pod.getMetadata().getName(), e.getMessage());
        }
    }

    static String name(UUID execution) {
        return "warden-run-" + execution;
    }

    private static boolean finished(Job job) {
        var status = job.getStatus();
        return status != null && ((status.getSucceeded() != null && status.getSucceeded() > 0)
                || (status.getFailed() != null && status.getFailed() > 0) || condition(job, "Failed", null)
                || condition(job, "Complete", null));
    }

    private static boolean condition(Job job, String type, String reason) {
        if (job == null || job.getStatus() == null || job.getStatus().getConditions() == null) {
            return false;
        }
        for (JobCondition c : job.getStatus().getConditions()) {
            if (type.equals(c.getType()) && "True".equals(c.getStatus()) && (reason == null || reason.equals(c.getReason()))) {
                return true;
            }
        }
        return false;
    }

    private Pod pod(String job) {
        List<Pod> pods = client.pods().inNamespace(namespace).withLabel("job-name", job).list().getItems();
        return pods.isEmpty() ? null : pods.getFirst();
    }

    /** Why the pod's container cannot start (see {@link #CANNOT_START}), or null while it may. */
    static String stuck(Pod pod) {
        ContainerStateWaiting waiting = waiting(pod);
        return waiting != null && CANNOT_START.contains(waiting.getReason())
                ? reason("the container could not start", waiting.getReason(), waiting.getMessage()) : null;
    }

    /**
     * Why a run that reached its deadline never started, when its pod says so: not scheduled (no node had room for the
     * tier's requests, a quota, a taint) or its container still waiting; null for a container that ran.
     */
    static String notStarted(Pod pod) {
        if (pod == null || pod.getStatus() == null) {
            return null;
        }
        for (PodCondition c : pod.getStatus().getConditions() == null ? List.<PodCondition>of() : pod.getStatus().getConditions()) {
            if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())) {
                return reason("the pod was never scheduled before the deadline", c.getReason(), c.getMessage());
            }
        }
        ContainerStateWaiting waiting = waiting(pod);
        return waiting == null ? null
                : reason("the container had not started by the deadline", waiting.getReason(), waiting.getMessage());
    }

    /** The first of the pod's containers that waits to start, or null. */
    private static ContainerStateWaiting waiting(Pod pod) {
        if (pod == null || pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return null;
        }
        return pod.getStatus().getContainerStatuses().stream()
                .map(s -> s.getState() == null ? null : s.getState().getWaiting())
                .filter(java.util.Objects::nonNull).findFirst().orElse(null);
    }

    /** {@code what (reason): message}, at most {@link #MAX_REASON} characters. */
    private static String reason(String what, String reason, String message) {
        String why = what + " (" + reason + ")" + (message == null ? "" : ": " + message);
        return why.length() <= MAX_REASON ? why : why.substring(0, MAX_REASON);
    }

    private static ContainerStateTerminated terminated(Pod pod) {
        if (pod == null || pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return null;
        }
        for (ContainerStatus s : pod.getStatus().getContainerStatuses()) {
            if (s.getState() != null && s.getState().getTerminated() != null) {
                return s.getState().getTerminated();
            }
        }
        return null;
    }

    private static String imageDigest(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return null;
        }
        return pod.getStatus().getContainerStatuses().stream().map(ContainerStatus::getImageID)
                .filter(id -> id != null && id.contains("sha256:")).map(id -> id.substring(id.indexOf("sha256:")))
                .findFirst().orElse(null);
    }

    /** Deletes the Job, also from an interrupted thread (a run stopped, the service stopping): the flag is set aside. */
    private void delete(String name) {
        boolean interrupted = Thread.interrupted();
        try {
            client.batch().v1().jobs().inNamespace(namespace).withName(name)
                    .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
        } catch (KubernetesClientException e) {
            LOG.warnf("Could not delete Job %s: %s", name, e.getMessage());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static long millisSince(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }
}
