package dev.warden.deploy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GatewayBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPPathMatchBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteBuilder;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRuleBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Gateway and the HTTPRoutes of deploy/routes.json: one rule per route, in the table's order, 16 to an HTTPRoute
 * ({@code warden}, then {@code warden-2}, ...). A prefix route is a
 * {@code PathPrefix} match (whole segments, as the local gateway matches), a regex route a {@code RegularExpression}
 * with the same regex, a pattern route a {@code RegularExpression} with the pattern's regex; a route's rewrite a
 * {@code URLRewrite} filter replacing the whole path.
 * <p>
 * The Gateway API does not take rules in order: it prefers the longest prefix, and where a regex ranks is up to the
 * implementation (the common ones put it before prefixes). So the generator refuses a table whose first-match-wins
 * meaning those rules would change: a later prefix inside an earlier one, or a regex or pattern that an earlier
 * prefix shadows.
 */
public final class GatewayRoutes {

    static final String ROUTE = "warden";
    static final String LISTENER = "https";
    /** The Gateway API's bound on an HTTPRoute's rules ({@code maxItems} of {@code spec.rules}). */
    static final int RULES_PER_ROUTE = 16;

    private GatewayRoutes() {
    }

    public static List<HasMetadata> of(RoutingTable table) {
        check(table);
        List<HTTPRouteRule> rules = new ArrayList<>();
        for (RoutingTable.Route route : table.routes()) {
            var path = route.match() == RoutingTable.Match.PREFIX
                    ? new HTTPPathMatchBuilder().withType("PathPrefix").withValue(route.prefix()).build()
                    : new HTTPPathMatchBuilder().withType("RegularExpression").withValue(route.regex()).build();
            HTTPRouteRuleBuilder rule = new HTTPRouteRuleBuilder()
                    .addNewMatch().withPath(path).endMatch()
                    .addNewBackendRef().withName(route.service()).withPort(table.services().get(route.service()))
                    .endBackendRef();
            if (route.timeout() != null) {
                // A run answers when its container ends (up to the tier's timeout), a stream never: an implementation's
                // default (Envoy's 15 s) would cut both
                rule.withNewTimeouts().withRequest(route.timeout()).endTimeouts();
            }
            if (route.rewrite() != null) {
                rule.addNewFilter().withType("URLRewrite").withNewUrlRewrite().withNewPath().withType("ReplaceFullPath")
                        .withReplaceFullPath(route.rewrite()).endPath().endUrlRewrite().endFilter();
            }
            rules.add(rule.build());
        }
        Map<String, String> labels = Map.of("app.kubernetes.io/part-of", "warden");
        List<HasMetadata> objects = new ArrayList<>();
        objects.add(new GatewayBuilder().withMetadata(new ObjectMetaBuilder().withName(Names.GATEWAY).withLabels(labels).build())
                        .withNewSpec()
                        // The overlays name the GatewayClass of the cluster's implementation.
                        .withGatewayClassName("warden")
                        .addNewListener().withName(LISTENER).withProtocol("HTTPS").withPort(443)
                        .withNewTls().withMode("Terminate").addNewCertificateRef().withKind("Secret")
                        .withName("warden-gateway-tls").endCertificateRef().endTls()
                        .withNewAllowedRoutes().withNewNamespaces().withFrom("Same").endNamespaces().endAllowedRoutes()
                        .endListener()
                        .endSpec().build());
        // An HTTPRoute takes at most 16 rules: a longer table is spread over several, which means the same, since
        // the check above leaves no rule whose precedence depends on its place
        for (int from = 0; from < rules.size(); from += RULES_PER_ROUTE) {
            String name = from == 0 ? ROUTE : ROUTE + "-" + (from / RULES_PER_ROUTE + 1);
            objects.add(new HTTPRouteBuilder().withMetadata(new ObjectMetaBuilder().withName(name).withLabels(labels).build())
                    .withNewSpec()
                    .addNewParentRef().withName(Names.GATEWAY).withSectionName(LISTENER).endParentRef()
                    .withRules(rules.subList(from, Math.min(rules.size(), from + RULES_PER_ROUTE)))
                    .endSpec().build());
        }
        return objects;
    }

    /** Fails when the Gateway API's precedence would route some path differently from first-match-wins. */
    static void check(RoutingTable table) {
        List<RoutingTable.Route> routes = table.routes();
        for (int i = 0; i < routes.size(); i++) {
            for (int j = i + 1; j < routes.size(); j++) {
                RoutingTable.Route first = routes.get(i);
                RoutingTable.Route later = routes.get(j);
                if (first.match() != RoutingTable.Match.PREFIX || first.service().equals(later.service())) {
                    continue;
                }
                String literal = later.match() == RoutingTable.Match.PREFIX ? later.prefix() : literalStart(later.path());
                if (within(literal, first.prefix())) {
                    throw new IllegalArgumentException("route " + later.path() + " (" + later.service()
                            + ") comes after prefix " + first.path() + " (" + first.service() + ") that covers it; the"
                            + " Gateway API would prefer it anyway: put it first in deploy/routes.json");
                }
            }
        }
    }

    private static boolean within(String path, String prefix) {
        return prefix.equals("/") || path.equals(prefix) || path.startsWith(prefix + "/");
    }

    /** The text before a regex's or pattern's first special character. */
    private static String literalStart(String expression) {
        int end = 0;
        while (end < expression.length() && ".[]{}()\\+?^$|*".indexOf(expression.charAt(end)) < 0) {
            end++;
        }
        return expression.substring(0, end);
    }
}
