package dev.warden.fleet.api;

import dev.warden.api.ErrorResponse;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Seed 003's envelope: every answer of {@code /v1/fleet} is {@code {"ok": true, "data": ...}} or an error. */
public final class Envelope {

    private Envelope() {
    }

    /** An error in the one error shape, with the seed's {@code ok: false} beside it. */
    @Schema(name = "FleetError", description = "The one error shape, with seed 003's ok: false beside it")
    public record Failure(@Schema(required = true) boolean ok, @Schema(required = true) ErrorResponse.Body error) {

        public static Failure of(ErrorResponse response) {
            return new Failure(false, response.error());
        }
    }
}
