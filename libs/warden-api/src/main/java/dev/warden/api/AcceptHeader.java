package dev.warden.api;

import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A request's {@code Accept}, read as RFC 9110 reads it, before an operation is chosen. Two things Quarkus REST does
 * not do on its own:
 * <ul>
 * <li>A request that takes JSON takes an operation's event stream too. Clients generated from the OpenAPI documents
 * (openapi-generator) send {@code Accept: application/json} to every operation, since each documents its errors as
 * JSON, and an operation that answers only {@code text/event-stream} (runner-service's execution logs, fleet-service's
 * and registry-service's live views) refused them with a 406, even where the answer would have been a 404. Such an
 * Accept gets {@code text/event-stream} added at the lowest preference: an operation that answers JSON still answers
 * JSON, and an Accept that takes neither (XML) is still a 406.</li>
 * <li>{@code q=0} means "not acceptable" (RFC 9110, 12.4.2): Quarkus REST took {@code application/json;q=0} as JSON
 * and answered it. An Accept with a {@code q=0} is rewritten as the types Warden answers (JSON, an event stream, a
 * ZIP) that it still takes, each with the quality of the most specific range naming it; one that takes none of them
 * is a 406.</li>
 * <li>A quality that is no number from 0 to 1 with at most three decimals ({@code q=abc}, {@code q=1.5}) is a 400
 * naming the header: Quarkus REST took such a range at full quality. So is a range whose type is no
 * {@code type/subtype} ({@code /}, {@code json}). Empty elements of the list are passed over (RFC 9110, 5.6.1), and an
 * Accept that names no type at all ({@code ;}) is read as none, any type: it was a 500.</li>
 * </ul>
 */
public class AcceptHeader {

    /** {@code type/subtype}, each a token (RFC 9110, 5.6.2), lower-cased. */
    private static final java.util.regex.Pattern MEDIA_RANGE =
            java.util.regex.Pattern.compile("[!#$%&'*+.^_`|~0-9a-z-]+/[!#$%&'*+.^_`|~0-9a-z-]+");
    static final String EVENTS_ADDED = MediaType.SERVER_SENT_EVENTS + ";q=0.001";
    /** Every type a Warden operation answers, in the order their rewritten Accept names them. */
    private static final List<String> ANSWERED = List.of(MediaType.APPLICATION_JSON, MediaType.SERVER_SENT_EVENTS,
            "application/zip");

    @ServerRequestFilter(preMatching = true)
    public void negotiate(ContainerRequestContext request) {
        String accept = request.getHeaderString(HttpHeaders.ACCEPT);
        if (accept == null) {
            return;
        }
        String read = rewritten(accept);
        if (read == null) {
            throw new NotAcceptableException();
        }
        if (!read.equals(accept)) {
            request.getHeaders().putSingle(HttpHeaders.ACCEPT, read);
        }
    }

    /**
     * The Accept an operation is chosen by: {@code accept} itself, with an event stream added where it takes JSON and
     * names no event stream, or, where it refuses a type with {@code q=0}, the answered types it takes; null when it
     * takes none of them. An Accept with a quality that cannot be read is a 400.
     */
    static String rewritten(String accept) {
        List<Range> ranges = ranges(accept);
        if (ranges == null) {
            throw ApiException.badRequest("Invalid Accept header: each range is a media type (type/subtype) and a q "
                    + "value is a number from 0 to 1 with at most three decimals (RFC 9110, 12.4.2 and 12.5.1), e.g. "
                    + "application/json;q=0.5", List.of());
        }
        if (ranges.isEmpty()) {
            return "*/*";
        }
        boolean refuses = ranges.stream().anyMatch(range -> range.quality == 0);
        if (!refuses) {
            // Without the list's empty elements, which Quarkus REST reads as a range it cannot take (a 406)
            String listed = accept.contains(",") ? String.join(", ", java.util.Arrays.stream(accept.split(","))
                    .map(String::trim).filter(part -> !part.isEmpty()).toList()) : accept;
            return takesJsonNotEvents(ranges) ? listed + ", " + EVENTS_ADDED : listed;
        }
        List<String> taken = new ArrayList<>();
        for (String type : ANSWERED) {
            Range range = mostSpecific(ranges, type);
            if (range != null && range.quality > 0) {
                taken.add(type + (range.qualityText == null ? "" : ";q=" + range.qualityText));
            } else if (range == null && type.equals(MediaType.SERVER_SENT_EVENTS) && !taken.isEmpty()
                    && taken.get(0).startsWith(MediaType.APPLICATION_JSON)) {
                taken.add(EVENTS_ADDED);
            }
        }
        return taken.isEmpty() ? null : String.join(", ", taken);
    }

    /** Whether {@code ranges} name JSON and no event stream (nor any range that would take one). */
    private static boolean takesJsonNotEvents(List<Range> ranges) {
        boolean json = false;
        for (Range range : ranges) {
            if (range.type.equals("*/*") || range.type.equals("text/*") || range.type.equals(MediaType.SERVER_SENT_EVENTS)) {
                return false;
            }
            json |= range.type.equals(MediaType.APPLICATION_JSON) || range.type.equals("application/*");
        }
        return json;
    }

    /** The range that decides {@code type}'s quality: its own, else its family's ({@code text/*}), else {@code *}{@code /*}. */
    private static Range mostSpecific(List<Range> ranges, String type) {
        String family = type.substring(0, type.indexOf('/')) + "/*";
        Range best = null;
        int bestRank = -1;
        for (Range range : ranges) {
            int rank = range.type.equals(type) ? 2 : range.type.equals(family) ? 1 : range.type.equals("*/*") ? 0 : -1;
            if (rank > bestRank || rank == bestRank && rank >= 0 && range.quality > best.quality) {
                best = range;
                bestRank = rank;
            }
        }
        return best;
    }

    /**
     * The ranges of {@code accept}, lower-cased, or null if one has a type that is no {@code type/subtype} or a quality
     * that is no number from 0 to 1.
     */
    private static List<Range> ranges(String accept) {
        List<Range> ranges = new ArrayList<>();
        for (String part : accept.split(",", -1)) {
            String[] pieces = part.split(";", -1);
            String type = pieces[0].trim().toLowerCase(Locale.ROOT);
            if (type.isEmpty()) {
                continue;
            }
            if (!MEDIA_RANGE.matcher(type).matches()) {
                return null;
            }
            String qualityText = null;
            double quality = 1;
            for (int i = 1; i < pieces.length; i++) {
                String[] parameter = pieces[i].split("=", 2);
                if (parameter.length == 2 && parameter[0].trim().equalsIgnoreCase("q")) {
                    qualityText = parameter[1].trim();
                    if (!qualityText.matches("0(\\.[0-9]{0,3})?|1(\\.0{0,3})?")) {
                        return null;
                    }
                    quality = Double.parseDouble(qualityText);
                }
            }
            ranges.add(new Range(type, quality, qualityText));
        }
        return ranges;
    }

    private record Range(String type, double quality, String qualityText) {
    }
}
