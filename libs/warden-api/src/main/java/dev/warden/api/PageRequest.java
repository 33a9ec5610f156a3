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

    public static PageRequest parse(String limit, String cursor, String updatedSince) {
        return new PageRequest(
                Params.integer("limit", limit, DEFAULT_LIMIT, 1, MAX_LIMIT),
                Cursor.decode(cursor),
                Params.optionalInstant("updated_since", updatedSince));
    }

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
