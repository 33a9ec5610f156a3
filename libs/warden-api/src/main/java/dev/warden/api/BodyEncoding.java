package dev.warden.api;

import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.List;
import java.util.Locale;

/**
 * A body is read as it arrives: Warden decodes no content coding, so a body sent with {@code Content-Encoding: gzip}
 * (or any coding but {@code identity}) is a 415 saying so (RFC 9110, 15.5.16), rather than read as if it were not
 * encoded: a gzipped body then failed as malformed JSON, and a plain one labelled gzip was taken as it was. Nor does
 * it convert a character set: JSON is UTF-8 (RFC 8259, 8.1), so a JSON body whose {@code Content-Type} names another
 * {@code charset} is a 415 too, rather than its bytes read as UTF-8 whatever its label said (a Latin-1 body whose
 * bytes happen to form UTF-8 was stored as other text than the client sent).
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

    @ServerRequestFilter(preMatching = true)
    public void refuseOtherCharsets(HttpServerRequest request) {
        String type = request.getHeader("Content-Type");
        if (type == null || !hasBody(request)) {
            return;
        }
        MediaType media;
        try {
            media = MediaType.valueOf(type);
        } catch (IllegalArgumentException malformed) {
            return; // refused for its type when the body is read
        }
        // Only for JSON: a body of another type is refused for its type, with how to send JSON instead.
        if (!media.getType().equalsIgnoreCase("application")
                || !media.getSubtype().equalsIgnoreCase("json") && !media.getSubtype().toLowerCase(Locale.ROOT).endsWith("+json")) {
            return;
        }
        String charset = media.getParameters().get(MediaType.CHARSET_PARAMETER);
        if (charset != null && !charset.equalsIgnoreCase("utf-8") && !charset.equalsIgnoreCase("utf8")) {
            String named = charset.matches("[A-Za-z0-9._:+-]{1,40}") ? "charset " + charset : "That charset";
            throw new ApiException(415, "unsupported_media_type", named + " is not accepted: Warden reads bodies as UTF-8 (JSON is UTF-8); send UTF-8 and name no other charset",
                    List.of());
        }
    }

    /** The value of a media type's {@code charset} parameter (Jakarta REST's parser: any case, quoted or not). */
    static String charset(String contentType) {
        return MediaType.valueOf(contentType).getParameters().get(MediaType.CHARSET_PARAMETER);
    }

    static boolean hasBody(HttpServerRequest request) {
        String length = request.getHeader("Content-Length");
        if (length != null) {
            return !length.strip().equals("0");
        }
        return request.getHeader("Transfer-Encoding") != null;
    }
}
