package dev.warden.api;

import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.ext.Provider;
import jakarta.ws.rs.ext.ReaderInterceptor;
import jakarta.ws.rs.ext.ReaderInterceptorContext;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * A body is read as it arrives: Warden decodes no content coding, so a body sent with {@code Content-Encoding: gzip}
 * (or any coding but {@code identity}) is a 415 saying so (RFC 9110, 15.5.16), rather than read as if it were not
 * encoded: a gzipped body then failed as malformed JSON, and a plain one labelled gzip was taken as it was. Nor does
 * it convert a character set: JSON is UTF-8 (RFC 8259, 8.1), so a JSON body whose {@code Content-Type} names another
 * {@code charset} is a 415 too, rather than its bytes read as UTF-8 whatever its label said (a Latin-1 body whose
 * bytes happen to form UTF-8 was stored as other text than the client sent). Nor one in UTF-16 or UTF-32 with no
 * label ({@link Utf8Only}).
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
        // A wildcard names no type (RFC 9110, 8.3): Quarkus REST matched */* and application/* to JSON and read the body
        if (media.isWildcardType() || media.isWildcardSubtype()) {
            throw new ApiException(415, "unsupported_media_type", "Content-Type " + media.getType() + "/"
                    + media.getSubtype() + " names no type: send the body as JSON, with Content-Type: application/json",
                    List.of());
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

    private static final String NOT_UTF8 = "The body is not UTF-8: Warden reads bodies as UTF-8 (JSON is UTF-8); "
            + "send UTF-8 and name no other charset";

    /**
     * A JSON body in UTF-16 or UTF-32 is a 415 as a labelled one is: Jackson recognises those encodings by their first
     * bytes and read such a body without a label (a security trial's, which a UTF-8 proxy in front would read as
     * NUL-separated bytes). JSON's first character is ASCII, so a NUL in the first four bytes, or a UTF-16 or UTF-32
     * byte order mark, says it is not UTF-8. Nor is a body that is not well-formed UTF-8 (an overlong form, a surrogate,
     * a byte no sequence has): Jackson decoded {@code C0 AF} as {@code /}, so a filter in front that reads UTF-8
     * strictly saw other text than Warden stored (a security re-trial). The body, at most the request limit, is read
     * whole to be checked, as Jackson would read it.
     */
    @Provider
    public static class Utf8Only implements ReaderInterceptor {

        @Override
        public Object aroundReadFrom(ReaderInterceptorContext context) throws IOException {
            MediaType type = context.getMediaType();
            if (type != null && type.getSubtype().toLowerCase(Locale.ROOT).endsWith("json")) {
                byte[] body = context.getInputStream().readAllBytes();
                if (!utf8(java.util.Arrays.copyOf(body, Math.min(4, body.length))) || !wellFormed(body)) {
                    throw new ApiException(415, "unsupported_media_type", NOT_UTF8, List.of());
                }
                context.setInputStream(new java.io.ByteArrayInputStream(body));
            }
            return context.proceed();
        }

        /** Whether {@code bytes} are well-formed UTF-8 (the JDK's decoder refuses overlong forms and surrogates). */
        static boolean wellFormed(byte[] bytes) {
            int i = 0;
            while (i < bytes.length && bytes[i] >= 0) {
                i++; // ASCII, most bodies whole: nothing to decode
            }
            if (i == bytes.length) {
                return true;
            }
            try {
                java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                        .decode(java.nio.ByteBuffer.wrap(bytes));
                return true;
            } catch (java.nio.charset.CharacterCodingException e) {
                return false;
            }
        }

        /** Whether a JSON text beginning with {@code first} (up to four bytes) may be UTF-8. */
        static boolean utf8(byte[] first) {
            if (first.length >= 2 && ((first[0] & 0xff) == 0xfe && (first[1] & 0xff) == 0xff
                    || (first[0] & 0xff) == 0xff && (first[1] & 0xff) == 0xfe)) {
                return false;
            }
            for (byte b : first) {
                if (b == 0) {
                    return false;
                }
            }
            return true;
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
