package dev.warden.runner.tier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Which images an organization's agents may run. An engine shares its images among every organization (whatever one
 * imported or pulled, any agent naming it could run), so an operator who keeps an organization's private images in
 * the engine or its registry confines them: {@code warden.runner.images.allowed} lists the image prefixes every
 * organization may run, {@code warden.runner.images.org} adds an organization's own ({@code <org-id>=<prefix>}, an
 * entry per prefix). With neither set, any image runs (the local suite's default). A prefix names a namespace (ends
 * with {@code /}) or one repository (ends with {@code :} or {@code @}), so that {@code registry.example.com/acme/}
 * never lets {@code registry.example.com/acme-evil/...} through; checked at start.
 */
@ApplicationScoped
public class ImagePolicy {

    private final List<String> everyone;
    private final Map<UUID, List<String>> perOrg = new HashMap<>();

    @Inject
    public ImagePolicy(RunnerConfig config) {
        this(config.images().allowed().orElse(List.of()), config.images().org().orElse(List.of()));
    }

    ImagePolicy(List<String> allowed, List<String> orgEntries) {
        this.everyone = allowed.stream().map(String::trim).filter(p -> !p.isEmpty())
                .map(p -> checked("allowed", p, p)).toList();
        OrgEntries.parse("warden.runner.images.org", orgEntries).forEach((org, prefixes) ->
                perOrg.put(org, prefixes.stream().map(p -> checked("org", p, org + "=" + p)).toList()));
    }

    private static String checked(String key, String prefix, String entry) {
        if (!(prefix.endsWith("/") || prefix.endsWith(":") || prefix.endsWith("@"))) {
            throw new IllegalStateException("warden.runner.images." + key + ": \"" + entry + "\" must end with / (a"
                    + " namespace), or : or @ (one repository), so that it cannot match a longer name");
        }
        return prefix;
    }

    /** Whether any image may run: nothing is configured. */
    public boolean open() {
        return everyone.isEmpty() && perOrg.isEmpty();
    }

    /** Why {@code org} may not run {@code image}, or empty when it may. */
    public Optional<String> refusal(UUID org, String image) {
        if (open() || allowed(org, image)) {
            return Optional.empty();
        }
        return Optional.of("The image " + image + " is not among those this organization may run"
                + " (warden.runner.images); deploy an allowed image or ask the operator");
    }

    /**
     * Why {@code org} may not run the image the engine resolved {@code image} to, which carries {@code names} (its tags
     * and digests), or empty when it may: one of them must be allowed. The reference's text is not enough: a Docker or
     * Podman store resolves {@code allowed/name@sha256:<digest>} to whichever image has that digest, another
     * organization's private one included (a user trial ran one so).
     */
    public Optional<String> refusal(UUID org, String image, List<String> names) {
        if (open() || names.stream().anyMatch(name -> allowed(org, name))) {
            return Optional.empty();
        }
        return Optional.of("The image " + image + " is, in the container engine, "
                + (names.isEmpty() ? "an image without a name" : String.join(", ", names))
                + ", none of them among those this organization may run (warden.runner.images); deploy an allowed image"
                + " or ask the operator");
    }

    private boolean allowed(UUID org, String name) {
        return everyone.stream().anyMatch(name::startsWith)
                || perOrg.getOrDefault(org, List.of()).stream().anyMatch(name::startsWith);
    }
}
