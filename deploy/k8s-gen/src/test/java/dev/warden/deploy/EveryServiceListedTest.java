package dev.warden.deploy;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The lists of services kept by hand outside deploy/routes.json, which the generator cannot fill: a service left out
 * of one is silently not pushed, or its image never built and run. (docs/architecture.md, "Adding a service", step 5;
 * the Secrets loop of docs/deploy.md: PlatformTest.)
 */
class EveryServiceListedTest {

    final Set<String> services = new TreeSet<>(RoutingTable.load(Yaml.root().resolve("deploy/routes.json")).services()
            .keySet());

    @Test
    void everyServiceOfTheRoutingTableIsInEveryListKeptByHand() throws IOException {
        List<String> problems = new ArrayList<>();

        String guide = Files.readString(Yaml.root().resolve("docs/deploy.md"));
        check(problems, "docs/deploy.md's push loop `for s in ...; do` (\"Images\") followed by `podman push`",
                group(guide, "for s in ([a-z -]+); do\\s*\\n\\s*podman push"), " ");

        String pom = Files.readString(Yaml.root().resolve("pom.xml"));
        check(problems, "the root pom.xml's `images` profile, property warden.image-test.services",
                group(pom, "<id>images</id>(?s:.*?)<warden.image-test.services>([^<]*)</warden.image-test.services>"),
                ",");

        String imageTest = Files.readString(Yaml.root().resolve("deploy/image-test/pom.xml"));
        Set<String> dependencies = new TreeSet<>();
        Matcher dependency = Pattern.compile("<artifactId>([a-z-]+-service)</artifactId>").matcher(imageTest);
        while (dependency.find()) {
            dependencies.add(dependency.group(1));
        }
        check(problems, "deploy/image-test/pom.xml's dependencies (one per service, type pom, like the others)",
                String.join(",", dependencies), ",");

        String serviceImageTest = Files.readString(Yaml.root()
                .resolve("deploy/image-test/src/test/java/dev/warden/deploy/image/ServiceImageTest.java"));
        Set<String> reads = new TreeSet<>();
        Matcher read = Pattern.compile("\"([a-z-]+-service)\", new Request\\(").matcher(serviceImageTest);
        while (read.find()) {
            reads.add(read.group(1));
        }
        check(problems, "deploy/image-test's ServiceImageTest.READ (a read each service answers to a new"
                + " organization's admin)", String.join(",", reads), ",");

        assertEquals(List.of(), problems);
    }

    private void check(List<String> problems, String where, String listed, String separator) {
        if (listed == null) {
            problems.add(where + ": not found; keep it in its present form, listing every service");
            return;
        }
        Set<String> found = new TreeSet<>();
        for (String name : listed.trim().split(Pattern.quote(separator))) {
            if (!name.isBlank()) {
                found.add(name.trim());
            }
        }
        Set<String> missing = new TreeSet<>(services);
        missing.removeAll(found);
        Set<String> extra = new TreeSet<>(found);
        extra.removeAll(services);
        if (!missing.isEmpty()) {
            problems.add(where + " lacks " + String.join(", ", missing) + " of deploy/routes.json: add it there");
        }
        if (!extra.isEmpty()) {
            problems.add(where + " names " + String.join(", ", extra) + ", which deploy/routes.json does not list");
        }
    }

    private static String group(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? m.group(1) : null;
    }
}
