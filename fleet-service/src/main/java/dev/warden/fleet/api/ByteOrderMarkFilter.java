package dev.warden.fleet.api;

import dev.warden.api.ApiException;
import jakarta.ws.rs.container.ContainerRequestContext;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.util.List;

/**
 * Refuses a JSON body that starts with a byte order mark (RFC 8259 forbids sending one), as the fuzz test expects of
 * every Warden body. Other services never meet it: their bodies have required fields, so a marked {@code {}} is refused
 * anyway; fleet-service's heartbeat and enrolment-token bodies may be empty objects.
 */
public class ByteOrderMarkFilter {

    @ServerRequestFilter(readBody = true)
    public void refuseByteOrderMark(ContainerRequestContext request) throws IOException {
        if (!"POST".equals(request.getMethod()) || !request.hasEntity() || !request.getUriInfo().getPath().startsWith(FleetEnvelopeFilter.PREFIX)) {
            return;
        }
        PushbackInputStream in = new PushbackInputStream(request.getEntityStream(), 3);
        byte[] head = new byte[3];
        int n = in.readNBytes(head, 0, 3);
        if (n == 3 && (head[0] & 0xff) == 0xEF && (head[1] & 0xff) == 0xBB && (head[2] & 0xff) == 0xBF) {
            throw new ApiException(400, "malformed_json", "The request body is not valid JSON: it starts with a byte order mark",
                    List.of());
        }
        if (n > 0) {
            in.unread(head, 0, n);
        }
        request.setEntityStream((InputStream) in);
    }
}
