package dev.warden.agent.access;

import org.jboss.resteasy.reactive.RestResponse;

import java.net.URI;

/**
 * A creation whose answer shows a secret, never shown again, and whether it is in force: this service's access
 * directory showed it within {@code warden.outbox.delivery-timeout}, or it is committed and will be once the broker
 * carries it. Either way the secret is in the answer; without the broker a 503 would have lost it for good.
 */
public record ShownOnce<T>(T created, boolean inForce) {

    /** 201 in force, 202 (accepted, in force once the broker carries it) not yet; {@code location} names it. */
    public RestResponse<T> answer(URI location) {
        return (inForce ? RestResponse.ResponseBuilder.<T>created(location)
                : RestResponse.ResponseBuilder.<T>accepted().location(location)).entity(created).build();
    }
}
