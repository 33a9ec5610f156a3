package dev.warden.api;

import io.quarkus.arc.Arc;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Any;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ResourceInfo;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code Allow} header of a 405 and of an {@code OPTIONS} answer names the methods of the path asked for (RFC 9110,
 * 15.5.6 and 9.3.7). Quarkus REST sends a 405 without it, and answers {@code OPTIONS} with every method of the
 * resource class, other paths' too ({@code OPTIONS /v1/agents} listed {@code PUT} and {@code PATCH}, which only
 * {@code /v1/agents/{agent_id}} takes). The table is read once from the resource classes' annotations.
 */
@ApplicationScoped
public class AllowedMethods {

    private static final Pattern PARAMETER = Pattern.compile("\\{[^}]+}");

    private volatile List<Route> routes = List.of();
    /** Per resource method: the literal paths its template also matches, which are other methods' (see below). */
    private final Map<Method, Set<String>> shadowed = new ConcurrentHashMap<>();

    void onStart(@Observes StartupEvent event) {
        List<Class<?>> resources = new ArrayList<>();
        for (var bean : Arc.container().beanManager().getBeans(Object.class, Any.Literal.INSTANCE)) {
            Class<?> type = bean.getBeanClass();
            if (type.isAnnotationPresent(Path.class)) {
                resources.add(type);
            }
        }
        routes = routes(resources);
    }

    /**
     * A path that a literal template names ({@code /v1/fleet/agents/register}, POST) is that template's, whatever the
     * method: Quarkus REST routes a GET of it to a template with a parameter in its place ({@code /v1/fleet/agents/{id}})
     * when the literal one has no GET, and the caller was told "Agent not found" for a path that exists; JAX-RS picks
     * the template with the most literal characters, and then the method. So such a request is a 405 with the literal
     * path's {@code Allow}, as it is when the literal path's class is another (agent-service's registration).
     */
    @ServerRequestFilter
    public void literalPathsAreTheirOwn(ResourceInfo resource, ContainerRequestContext request) {
        Method method = resource.getResourceMethod();
        if (method == null || resource.getResourceClass() == null || routes.isEmpty()) {
            return; // before the table is read at start: nothing kept from then
        }
        Set<String> literals = shadowed.computeIfAbsent(method, m -> literalsMatching(routes,
                template(resource.getResourceClass(), m)));
        if (!literals.isEmpty() && literals.contains(normalized(request.getUriInfo().getPath()))) {
            throw new ApiException(405, "method_not_allowed", "Method Not Allowed", List.of());
        }
    }

    /** The fully literal templates of {@code routes}, other than {@code template}, that {@code template} matches. */
    static Set<String> literalsMatching(List<Route> routes, String template) {
        if (!PARAMETER.matcher(template).find()) {
            return Set.of();
        }
        Pattern own = regex(template);
        Set<String> literals = new TreeSet<>();
        for (Route route : routes) {
            if (!PARAMETER.matcher(route.template()).find() && own.matcher(route.template()).matches()) {
                literals.add(route.template());
            }
        }
        return Set.copyOf(literals);
    }

    private static String template(Class<?> resource, Method method) {
        Path base = resource.getAnnotation(Path.class);
        Path own = method.getAnnotation(Path.class);
        return join(base == null ? "" : base.value(), own == null ? "" : own.value());
    }

    private static String normalized(String path) {
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    @ServerResponseFilter
    public void allow(ContainerRequestContext request, ContainerResponseContext response) {
        int status = response.getStatus();
        boolean options = "OPTIONS".equals(request.getMethod()) && status == 200 && response.getHeaders().containsKey("Allow");
        if (status != 405 && !options) {
            return;
        }
        Set<String> methods = allowed(routes, request.getUriInfo().getPath());
        if (!methods.isEmpty()) {
            response.getHeaders().putSingle("Allow", String.join(", ", methods));
        }
    }

    /**
     * The methods {@code path} takes, with {@code HEAD} beside {@code GET} and {@code OPTIONS}; empty for no route. As
     * Quarkus REST routes, only the resource classes of the most literal class path among those with a matching route
     * count: {@code /v1/agents/register} (POST) is its class's alone, not also {@code /v1/agents/{agent_id}}'s; and
     * within that class, only the templates of the most literal characters ({@code /v1/fleet/agents/register}, not
     * also {@code /v1/fleet/agents/{id}}).
     */
    static Set<String> allowed(List<Route> routes, String path) {
        String normalized = normalized(path);
        List<Route> matching = routes.stream().filter(route -> route.pattern().matcher(normalized).matches()).toList();
        String base = matching.stream().map(Route::base)
                .max(java.util.Comparator.comparingInt(AllowedMethods::literalLength)).orElse(null);
        int literal = matching.stream().filter(route -> route.base().equals(base))
                .mapToInt(route -> literalLength(route.template())).max().orElse(0);
        Set<String> methods = new TreeSet<>();
        for (Route route : matching) {
            if (route.base().equals(base) && literalLength(route.template()) == literal) {
                methods.addAll(route.methods());
            }
        }
        if (!methods.isEmpty()) {
            if (methods.contains("GET")) {
                methods.add("HEAD");
            }
            methods.add("OPTIONS");
        }
        return methods;
    }

    static List<Route> routes(Collection<Class<?>> resources) {
        Map<List<String>, Set<String>> byTemplate = new HashMap<>(); // [class path, whole template] to methods
        for (Class<?> resource : resources) {
            String base = join(resource.getAnnotation(Path.class).value(), "");
            for (Method method : resource.getMethods()) {
                String verb = verb(method);
                if (verb != null) {
                    Path own = method.getAnnotation(Path.class);
                    byTemplate.computeIfAbsent(List.of(base, join(base, own == null ? "" : own.value())),
                            t -> new TreeSet<>()).add(verb);
                }
            }
        }
        List<Route> routes = new ArrayList<>();
        byTemplate.forEach((key, methods) -> routes.add(new Route(key.get(0), key.get(1), regex(key.get(1)),
                Set.copyOf(methods))));
        return List.copyOf(routes);
    }

    private static int literalLength(String template) {
        return PARAMETER.matcher(template).replaceAll("").length();
    }

    private static String verb(Method method) {
        for (Annotation annotation : method.getAnnotations()) {
            HttpMethod http = annotation.annotationType().getAnnotation(HttpMethod.class);
            if (http != null) {
                return http.value();
            }
        }
        return null;
    }

    private static String join(String base, String own) {
        String path = ("/" + base + "/" + own).replaceAll("/+", "/");
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private static Pattern regex(String template) {
        StringBuilder regex = new StringBuilder();
        Matcher parameter = PARAMETER.matcher(template);
        int last = 0;
        while (parameter.find()) {
            regex.append(Pattern.quote(template.substring(last, parameter.start()))).append("[^/]+");
            last = parameter.end();
        }
        regex.append(Pattern.quote(template.substring(last)));
        return Pattern.compile(regex.toString());
    }

    /** A path template's methods, and the path of the resource class that holds them. */
    record Route(String base, String template, Pattern pattern, Set<String> methods) {
    }
}
