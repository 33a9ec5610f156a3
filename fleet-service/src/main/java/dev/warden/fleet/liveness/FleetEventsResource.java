package dev.warden.fleet.liveness;

import dev.warden.api.ApiException;
import dev.warden.api.OpenStreams;
import dev.warden.api.Slots;
import dev.warden.tenancy.security.CredentialWatch;
import dev.warden.tenancy.security.CurrentActor;
import dev.warden.tenancy.security.Roles;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The live view: Server-Sent Events of the caller's organization's transitions, each with its id (the organization's own number, in commit order), its
 * event name (the CloudEvent type) and the CloudEvent as data. A client that reconnects with {@code Last-Event-ID}
 * gets everything after that id kept (the last 24 hours) before the new ones (an id beyond the newest, which this
 * stream never sent, everything kept); without it, only what happens from now.
 * Outside the OpenAPI document: a stream that never ends is no request and answer for the fuzz and contract tests.
 */
@Path("/v1/fleet/events")
public class FleetEventsResource {

    static final Duration POLL = Duration.ofMillis(250);
    static final int PAGE = 500;

    private final TransitionEvents transitions;
    private final CurrentActor actor;
    private final CredentialWatch credentials;
    private final OpenStreams streams;

    public FleetEventsResource(TransitionEvents transitions, CurrentActor actor, CredentialWatch credentials,
                               OpenStreams streams) {
        this.streams = streams;
        this.credentials = credentials;
        this.transitions = transitions;
        this.actor = actor;
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RolesAllowed(Roles.VIEWER)
    @Operation(hidden = true)
    @Blocking
    public void stream(@HeaderParam("Last-Event-ID") String lastEventId, @Context SseEventSink sink, @Context Sse sse) {
        UUID org = actor.org();
        BooleanSupplier usable = credentials.usable(); // a revoked key or disabled organization ends the stream
        Long resumeAfter = parse(lastEventId);
        // An id beyond the newest was never sent by this stream (or was, before an upgrade renumbered the ids): what is
        // kept is sent again from the start rather than nothing until the numbers pass it (a client missed events so)
        long newest = OpenStreams.readBeforeItBegins(transitions.newest(org));
        long first = resumeAfter == null ? newest : resumeAfter > newest ? 0L : resumeAfter;
        // A slot of the organization's open streams, taken before the stream begins (a 429 in the error shape), given
        // back when the stream ends
        Slots.Permit open = streams.open(org);
        // A comment at once, so the answer's head and first bytes leave now rather than with the first transition: a
        // proxy in front (the launcher's gateway did) holds a head without a body, and the client saw nothing at all.
        sink.send(sse.newEventBuilder().comment("fleet transitions of your organization").build());
        AtomicLong cursor = new AtomicLong(first);
        Cancellable polling = Multi.createFrom().ticks().every(POLL)
                .onOverflow().drop()
                .onItem().transformToUni(tick -> sink.isClosed() || !usable.getAsBoolean() ? Uni.createFrom().<List<TransitionEvents.Recorded>>failure(
                        new IllegalStateException("closed")) : transitions.after(org, cursor.get(), PAGE))
                .concatenate()
                .subscribe().with(events -> {
                    for (TransitionEvents.Recorded e : events) {
                        sink.send(sse.newEventBuilder().id(Long.toString(e.number())).name(e.type())
                                .data(e.event()).build());
                        cursor.set(e.number());
                    }
                }, failure -> {
                    // Closed, the credential no longer usable, or the database gone: the stream ends, and a client
                    // that reconnects is answered (a 503 while the database is away) before a new one begins
                    open.release();
                    sink.close();
                });
        if (sink.isClosed()) {
            polling.cancel();
            open.release();
        }
    }

    private static Long parse(String lastEventId) {
        if (lastEventId == null || lastEventId.isBlank()) {
            return null;
        }
        try {
            long id = Long.parseLong(lastEventId.trim());
            if (id < 0) {
                throw new NumberFormatException();
            }
            return id;
        } catch (NumberFormatException e) {
            throw ApiException.invalidField("Last-Event-ID", "must be the id of an event this stream sent");
        }
    }
}
