package dev.warden.api;

import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.container.ResourceInfo;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The query parameters of a request are the operation's own, each given as often as it reads it:
 * <ul>
 *   <li>one the operation does not read is a 400 naming it: {@code GET /v1/audit?agnet_id=...} answered the whole
 *       organization's log as if filtered, and a fuzzer's extra parameters were taken without a word;</li>
 *   <li>one it reads as one value may be given once: {@code ?status=active&status=suspended} is a 400 naming it,
 *       never the first value taken silently (HTTP parameter pollution: a proxy, a cache or a firewall in front may
 *       read the last one, and then it checked another request than the one answered). One it reads as a list
 *       (fleet-service's {@code tag}) repeats freely.</li>
 * </ul>
 * Read from the resource method's {@code @QueryParam} and {@code @RestQuery} parameters, once per method.
 */
public class QueryParameters {

    /** Per resource method: the query parameters it reads, and those it reads as one value. */
    private final Map<Method, Known> known = new ConcurrentHashMap<>();

    @ServerRequestFilter
    public void refuseUnknownAndRepeated(ResourceInfo resource, HttpServerRequest request) {
        if (request.query() == null || resource.getResourceMethod() == null) {
            return;
        }
        for (String pair : request.query().split("&")) {
            if (!percentDecodesToUtf8(pair)) {
                String name = pair.contains("=") ? pair.substring(0, pair.indexOf('=')) : pair;
                throw ApiException.invalidField(name.matches("[A-Za-z_]{1,64}") ? name : "query",
                        "is not UTF-8 once percent-decoded: encode the text as UTF-8 (a body's is a 415)");
            }
        }
        Known own = known.computeIfAbsent(resource.getResourceMethod(), QueryParameters::read);
        for (String name : request.params().names()) {
            if (!own.all().contains(name)) {
                throw ApiException.invalidField(name, "is not a parameter of this operation; it takes "
                        + (own.all().isEmpty() ? "none" : String.join(", ", new java.util.TreeSet<>(own.all()))));
            }
            if (own.single().contains(name) && request.params().getAll(name).size() > 1) {
                throw ApiException.invalidField(name, "may be given once");
            }
        }
    }

    /**
     * Whether {@code text}'s percent-encoded bytes, with its other characters, are well-formed UTF-8: Vert.x decoded
     * {@code ?q=%C3} to a replacement character and the list answered nothing found, where the same bytes in a body
     * are a 415. A {@code %} without two hex digits after it is left to the parameter's own parsing.
     */
    static boolean percentDecodesToUtf8(String text) {
        if (text.indexOf('%') < 0) {
            return true;
        }
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%' && i + 2 < text.length() && hex(text.charAt(i + 1)) && hex(text.charAt(i + 2))) {
                bytes.write(Integer.parseInt(text.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                byte[] own = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(own, 0, own.length);
            }
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray()));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static boolean hex(char c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }

    record Known(Set<String> all, Set<String> single) {
    }

    static Known read(Method method) {
        Set<String> all = new HashSet<>();
        Set<String> single = new HashSet<>();
        for (Parameter parameter : method.getParameters()) {
            String name = queryName(parameter);
            if (name != null) {
                all.add(name);
                if (!parameter.getType().isArray() && !Collection.class.isAssignableFrom(parameter.getType())) {
                    single.add(name);
                }
            }
        }
        return new Known(Set.copyOf(all), Set.copyOf(single));
    }

    private static String queryName(Parameter parameter) {
        for (Annotation annotation : parameter.getAnnotations()) {
            if (annotation instanceof QueryParam query) {
                return query.value();
            }
            if (annotation instanceof RestQuery query) {
                return query.value().isEmpty() ? parameter.getName() : query.value();
            }
        }
        return null;
    }
}
