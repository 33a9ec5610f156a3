package dev.warden.api;

import jakarta.ws.rs.core.HttpHeaders;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Optimistic concurrency (RFC 9110, 13.1.1): a resource that keeps a revision answers it as a strong {@code ETag},
 * {@code "<revision>"}; an edit sent with {@code If-Match} naming the revision it was based on is a 412 when another
 * change came first, so two admins editing one agent cannot overwrite each other unseen. Without the header (every seed
 * client), the edit applies as before. The check runs under the resource's row lock ({@link #check}).
 */
public final class IfMatch {

    public static final String HEADER = "If-Match";
    public static final String ETAG = "ETag";
    /** The header's description in a document, the same on every operation that takes it. */
    public static final String DESCRIPTION = "The ETag of the answer this edit is based on (or several, comma-separated; "
            + "* for any): when the resource changed since, a 412 and nothing changes";

    /** One entity-tag of a list: optionally weak, then quoted visible characters. */
    private static final Pattern TAG = Pattern.compile("(W/)?\"([\\x21\\x23-\\x7e]*)\"");

    private IfMatch() {
    }

    public static String etag(long revision) {
        return etag(Long.toString(revision));
    }

    /** A strong entity-tag of {@code value} (visible ASCII without a quote). */
    public static String etag(String value) {
        return "\"" + value + "\"";
    }

    /** A weak entity-tag's mark, never part of a strong one's value (which is quoted text without it). */
    private static final String WEAK = "W/";

    /**
     * The strong entity-tags the request's {@code If-Match} accepts (their values, without quotes; a weak one marked
     * {@code W/}); null for any (no header, or {@code *}). A weak tag is valid and matches nothing, as RFC 9110's strong
     * comparison has it; a header that is no list of entity-tags is a 400 naming it.
     */
    public static Set<String> accepted(HttpHeaders headers) {
        List<String> sent = headers.getRequestHeader(HEADER);
        if (sent == null || sent.isEmpty()) {
            return null;
        }
        if (sent.size() == 1 && "*".equals(sent.getFirst().trim())) {
            return null;
        }
        Set<String> tags = new HashSet<>();
        for (String line : sent) {
            for (String part : line.split(",", -1)) {
                Matcher tag = TAG.matcher(part.trim());
                if (!tag.matches()) {
                    throw ApiException.invalidField(HEADER, "must be ETags as answered (\"<revision>\"), comma-separated, or *");
                }
                // A weak tag is kept marked, so that a refusal can say why the current one in its weak form failed
                tags.add(tag.group(1) == null ? tag.group(2) : WEAK + tag.group(2));
            }
        }
        return tags;
    }

    /** Under the resource's lock: a 412 when {@code accepted} (from {@link #accepted}) does not name {@code current}. */
    public static void check(Set<String> accepted, long current, String what) {
        check(accepted, Long.toString(current), what);
    }

    /** As {@link #check(Set, long, String)}, for a tag that is not a revision alone. */
    public static void check(Set<String> accepted, String current, String what) {
        if (accepted != null && !accepted.contains(current)) {
            if (accepted.contains(WEAK + current)) {
                throw new ApiException(412, "precondition_failed", "If-Match compares ETags strongly, so a weak one ("
                        + WEAK + etag(current) + ") never matches; send the ETag as answered: " + etag(current), List.of());
            }
            throw new ApiException(412, "precondition_failed", what + " changed since the ETag you sent: it is now "
                    + etag(current) + "; read it again and make your change on what it is now", List.of());
        }
    }
}
