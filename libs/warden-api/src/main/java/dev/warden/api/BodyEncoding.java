package dev.warden.api;

import io.vertx.core.http.HttpServerRequest;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.List;
import java.util.Locale;

/**
 * A body is read as it arrives: Warden decodes no content coding, so a body sent with {@code Content-Encoding: gzip}
 * (or any coding but {@code identity}) is a 415 saying so (RFC 9110, 15.5.16), rather than read as if it were not
 * encoded: a gzipped body then failed as malformed JSON, and a plain one labelled gzip was taken as it was.
 */
public class BodyEncoding {

    @ServerRequestFilter(preMatching = true)
    public void refuseEncoded(HttpServerRequest request) {
        List<String> encodings = request.headers().getAll("Content-Encoding");
        if (encodings.isEmpty() || !hasBody(request)) {
            return;
        }
        for (String coding : String.join(",", encodings).split(",")) {
            String name = coding.strip().toLowerCase(Locale.ROOT);
            if (!name.isEmpty() && !name.equals("identity")) {
                throw new ApiException(415, "unsupported_media_type", "Content-Encoding " + coding.strip()
                        + " is not accepted: send the body as it is, without a content coding", List.of());
            }
        }
    }

    static boolean hasBody(HttpServerRequest request) {
        String length = request.getHeader("Content-Length");
        if (length != null) {
            return !length.strip().equals("0");
        }
        return request.getHeader("Transfer-Encoding") != null;
    }
}
