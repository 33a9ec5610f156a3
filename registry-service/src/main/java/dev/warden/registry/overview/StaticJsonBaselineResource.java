package dev.warden.registry.overview;

import io.quarkus.resteasy.reactive.server.EndpointDisabled;
import io.smallrye.common.annotation.NonBlocking;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Optional;

/**
 * The baseline of the registry benchmark (docs/benchmarks.md, section 6), nothing else: a file's bytes answered as
 * JSON by the same HTTP server and REST layer, with no authentication, database or serialization. It exists only when
 * {@code warden.bench.static-json} names the file (runtime configuration, which only {@code bench/registry/run.sh} sets);
 * without it the path is a 404. The file is read at the first request, once the benchmark has written it.
 */
@Path("/bench/static-json")
@EndpointDisabled(name = StaticJsonBaselineResource.FILE_PROPERTY, stringValue = "", disableIfMissing = true)
public class StaticJsonBaselineResource {

    static final String FILE_PROPERTY = "warden.bench.static-json";

    private final Optional<String> file;
    private volatile byte[] body;

    public StaticJsonBaselineResource(@ConfigProperty(name = FILE_PROPERTY) Optional<String> file) {
        this.file = file;
    }

    @GET
    @NonBlocking
    @PermitAll
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(hidden = true)
    public byte[] body() {
        byte[] bytes = body;
        if (bytes == null) {
            try {
                bytes = Files.readAllBytes(java.nio.file.Path.of(file.orElseThrow()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            body = bytes;
        }
        return bytes;
    }
}
