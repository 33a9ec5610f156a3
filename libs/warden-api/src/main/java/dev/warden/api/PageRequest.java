package dev.warden.api;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.UUID;

/**
 * The paging every Warden list accepts: {@code limit}, an opaque {@code cursor} and {@code updated_since}.
 * A cursor holds the sort position and id of the last item returned; it is opaque to clients.
 */
public record PageRequest(int limit, Cursor after, Instant updatedSince) {

    public static final int DEFAULT_LIMIT = 100;
    public static final int MAX_LIMIT = 500;
    /**
     * How many items a list its seed promises whole ("retrieves all agents": seeds 000, 001 and 003) answers when no
     * {@code limit} is given; past it, {@code next_cursor} pages on, so no request reads an unbounded table.
     */
    public static final int WHOLE_BOUND = 10_000;

    /** A list of Warden's own: without {@code limit}, a page of {@link #DEFAULT_LIMIT}. */
    public static PageRequest parse(String limit, String cursor, String updatedSince) {
        return new PageRequest(
                Params.integer("limit", limit, DEFAULT_LIMIT, 1, MAX_LIMIT),
                Cursor.decode(cursor),
                Params.optionalSince("updated_since", updatedSince));
    }

    /**
     * A list a seed promises whole: without {@code limit}, every item up to {@link #WHOLE_BOUND}; with it, a page of
     * 1 to {@link #MAX_LIMIT}. A resource using it declares its {@code limit} with a maximum and no default
     * ({@link #WHOLE_LIMIT}), which the document then says.
     */
    public static PageRequest parseWhole(String limit, String cursor, String updatedSince) {
        return new PageRequest(
                wholeLimit(limit, MAX_LIMIT),
                Cursor.decode(cursor),
                Params.optionalSince("updated_since", updatedSince));
    }

    /** {@code limit} of a list promised whole: absent, {@link #WHOLE_BOUND}; given, 1 to {@code max}. */
    public static int wholeLimit(String limit, int max) {
        return Params.integer("limit", limit, WHOLE_BOUND, 1, max);
    }

    /** The description of {@code limit} on a list promised whole. */
    public static final String WHOLE_LIMIT = "1 to 500: a page of that many, then next_cursor; without it, every item "
            + "(up to 10,000; past that, next_cursor pages on)";

    /**
     * A position in a list ordered by {@code (position, id)}: a time in microseconds ({@link #at}, read back by
     * {@link #instant}) or a number, a version or a sequence ({@link #Cursor(long, UUID)}, read back by {@link #version}
     * or {@link #sequence}). The kind travels in the cursor, so one list's cursor given to a list of the other kind is
     * a 400 rather than read as a far position (an agents cursor given to the audit log read as sequence 1.7e15, and
     * answered an empty last page).
     */
    public record Cursor(long position, UUID id, boolean time) {

        /** A number's position: a version or a sequence. */
        public Cursor(long position, UUID id) {
            this(position, id, false);
        }

        public static Cursor decode(String raw) {
            if (raw == null || raw.isEmpty()) {
                return null;
            }
            try {
                String text = new String(Base64.getUrlDecoder().decode(raw), StandardCharsets.UTF_8);
                char kind = text.charAt(0);
                int colon = text.indexOf(':');
                String position = text.substring(1, colon);
                UUID id = Params.uuidOrNull(text.substring(colon + 1));
                if ((kind != 't' && kind != 'n') || !position.matches("-?[0-9]{1,19}") || id == null) {
                    throw new IllegalArgumentException("not a kind, a position and an id");
                }
                return new Cursor(Long.parseLong(position), id, kind == 't');
            } catch (RuntimeException e) {
                throw invalid();
            }
        }

        /** The position as a version number (an {@code integer} column): a larger one is no cursor this API made. */
        public int version() {
            if (time || position < 0 || position > Integer.MAX_VALUE) {
                throw invalid();
            }
            return (int) position;
        }

        /** The position as a sequence number (a {@code bigint} column). */
        public long sequence() {
            if (time || position < 0) {
                throw invalid();
            }
            return position;
        }

        private static ApiException invalid() {
            return ApiException.invalidField("cursor", "is not a cursor this API returned");
        }

        public static Cursor at(Instant time, UUID id) {
            return new Cursor(time.getEpochSecond() * 1_000_000 + time.getNano() / 1_000, id, true);
        }

        public Instant instant() {
            if (!time) {
                throw invalid();
            }
            return Instant.ofEpochSecond(Math.floorDiv(position, 1_000_000), Math.floorMod(position, 1_000_000) * 1_000L);
        }

        public String encode() {
            return Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(((time ? "t" : "n") + position + ":" + id).getBytes(StandardCharsets.UTF_8));
        }
    }
}
