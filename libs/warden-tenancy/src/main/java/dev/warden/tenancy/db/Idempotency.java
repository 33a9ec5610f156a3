package dev.warden.tenancy.db;

import dev.warden.api.ApiException;
import dev.warden.api.IdempotencyKeys;
import dev.warden.events.EventJson;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.ws.rs.core.HttpHeaders;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The {@code Idempotency-Key} request header (draft-ietf-httpapi-idempotency-key-header): a client that got no answer to
 * a change (its connection dropped, or a 503 that came after the change committed, such as a deploy whose event did not
 * reach the broker in time) sends the same request again with the same key, and gets the first answer instead of a
 * second change. The key and the answer are written in the change's own transaction ({@link #once}), so a change that
 * rolled back left no key and a committed one cannot lose it; a second request with the key waits for the first to
 * commit (the key's row is locked until then) and then answers what the first answered. The same key with another
 * request (another operation, resource or body), or from another caller, is a 409: an answer given to one credential is
 * never given to another, which may not be allowed what the first was. A key is kept 24 hours; the organization's next keyed request
 * deletes its expired ones. Keys are per organization (Row-Level Security on {@code warden_idempotency}).
 */
public final class Idempotency {

    public static final String HEADER = IdempotencyKeys.HEADER;
    /** The header's description in a document, the same on every operation that takes it. */
    public static final String DESCRIPTION = "Any unique value (a UUID): sent again with the same request, the answer "
            + "is the first one and nothing changes twice; with another request, a 409. Kept 24 hours.";
    /** What the header may hold: 1 to 255 visible ASCII characters (a UUID, say). */
    private static final Pattern VALID = Pattern.compile("[\\x21-\\x7e]{1,255}");

    private Idempotency() {
    }

    /**
     * A request's key (its one {@code Idempotency-Key} header; empty, repeated or not 1 to 255 visible ASCII characters
     * is a 400) and what the request asks: {@code caller} is who asks (the credential's actor name), {@code operation}
     * names the operation and its resource (say {@code "deployAgent " + id}), {@code request} is the parsed body,
     * compared by its JSON. Null without a key.
     */
    public record Key(String value, String fingerprint) {

        public static Key of(HttpHeaders headers, String caller, String operation, Object request) {
            List<String> sent = headers.getRequestHeader(HEADER);
            if (sent == null || sent.isEmpty()) {
                return null;
            }
            if (sent.size() > 1) {
                throw ApiException.invalidField(HEADER, "must be sent once");
            }
            String value = sent.getFirst();
            if (value == null || !VALID.matcher(value).matches()) {
                throw ApiException.invalidField(HEADER, "must be 1 to 255 visible ASCII characters");
            }
            return new Key(value, sha256(caller + "\n" + operation + "\n" + EventJson.write(request)));
        }
    }

    /**
     * Inside the change's transaction, in its organization's scope: runs {@code work} and records its answer under
     * {@code key}, or, when the key was used before, answers what was recorded then without running it. Without a key,
     * runs {@code work}.
     */
    public static <T> Uni<T> once(SqlConnection conn, Key key, Class<T> answer, Supplier<Uni<T>> work) {
        if (key == null) {
            return work.get();
        }
        return conn.preparedQuery("DELETE FROM warden_idempotency WHERE created_at < now() - interval '24 hours'")
                .execute()
                .chain(() -> conn.preparedQuery("""
                                INSERT INTO warden_idempotency (org_id, key, fingerprint) VALUES (warden_current_org(), $1, $2)
                                ON CONFLICT (org_id, key) DO NOTHING""")
                        .execute(Tuple.of(key.value(), key.fingerprint())))
                .chain(inserted -> inserted.rowCount() == 1
                        ? work.get().call(result -> conn.preparedQuery("UPDATE warden_idempotency SET answer = $2 WHERE key = $1")
                                .execute(Tuple.of(key.value(), EventJson.write(result))))
                        : conn.preparedQuery("SELECT fingerprint, answer FROM warden_idempotency WHERE key = $1")
                                .execute(Tuple.of(key.value())).map(rows -> recorded(rows, key, answer)));
    }

    /**
     * In the organization's scope: what was answered under {@code key}, or empty when the key is new (or null). For an
     * operation that must not even start again, such as a run: it asks first, then records with {@link #once}, which
     * still settles two first requests racing. The same key with another request is a 409.
     */
    public static <T> Uni<Optional<T>> answered(SqlConnection conn, Key key, Class<T> answer) {
        if (key == null) {
            return Uni.createFrom().item(Optional.empty());
        }
        return conn.preparedQuery("""
                        SELECT fingerprint, answer FROM warden_idempotency
                        WHERE key = $1 AND created_at >= now() - interval '24 hours'""")
                .execute(Tuple.of(key.value()))
                .map(rows -> rows.iterator().hasNext()
                        ? Optional.of(recorded(rows, key, answer)) : Optional.empty());
    }

    private static <T> T recorded(RowSet<Row> rows, Key key, Class<T> type) {
        if (!rows.iterator().hasNext()) {
            // Deleted as expired by another request of the organization between this one's two statements
            throw ApiException.conflict("This Idempotency-Key expired while it was asked again; send the request again");
        }
        Row row = rows.iterator().next();
        if (!key.fingerprint().equals(row.getString("fingerprint"))) {
            throw ApiException.conflict("This Idempotency-Key was used for another request, or by another caller; use a "
                    + "new key for this one");
        }
        try {
            return EventJson.MAPPER.readValue(row.getString("answer"), type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
