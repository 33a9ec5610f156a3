package dev.warden.fleet.liveness;

import dev.warden.events.EventTypes;
import dev.warden.events.fleet.FleetEvents.InstanceTransition;
import dev.warden.fleet.instance.Instance;
import dev.warden.outbox.Outbox;

import java.time.Duration;
import java.time.Instant;

/** The liveness states of an instance and the event each transition publishes on {@code warden.fleet.v1}. */
public final class Transitions {

    public static final String ONLINE = "online";
    public static final String STALE = "stale";
    public static final String OFFLINE = "offline";
    public static final String DEREGISTERED = "deregistered";

    private Transitions() {
    }

    /**
     * The outbox message of {@code instance} (as it is after the change) moving from {@code previous} (null: it
     * registered) to {@code state} at {@code at}, {@code lastHeartbeat} being its last heartbeat before the change.
     */
    public static Outbox.Message message(Instance instance, String previous, String state, Instant lastHeartbeat,
                                         Instant at, String actor) {
        return message(instance, previous, state, lastHeartbeat, at, actor, null);
    }

    /** A registration also carries the SHA-256 of the instance's credential, for the services that check it. */
    public static Outbox.Message message(Instance instance, String previous, String state, Instant lastHeartbeat,
                                         Instant at, String actor, String credentialSha256) {
        String type = previous == null ? EventTypes.FLEET_INSTANCE_REGISTERED : switch (state) {
            case STALE -> EventTypes.FLEET_INSTANCE_STALE;
            case OFFLINE -> EventTypes.FLEET_INSTANCE_OFFLINE;
            case ONLINE -> EventTypes.FLEET_INSTANCE_ONLINE;
            case DEREGISTERED -> EventTypes.FLEET_INSTANCE_DEREGISTERED;
            default -> throw new IllegalArgumentException("no transition to " + state);
        };
        long since = Math.max(0, Duration.between(lastHeartbeat, at).toMillis());
        return new Outbox.Message(type, instance.subject(), instance.subject(),
                new InstanceTransition(instance.event(), previous, state, since, at, actor, credentialSha256));
    }
}
