package dev.warden.client.agent;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.warden.client.agent.model.CapabilitiesPatch;
import dev.warden.client.agent.model.NotificationsPatch;
import dev.warden.client.agent.model.UpdateAgentRequest;
import dev.warden.client.agent.model.UpdatePolicyRequest;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What a client generated from agent-service's document (openapi-generator, Java, native library, as a user generates
 * it) sends for a partial update: only what the caller set. A list it left unset was sent as {@code []} and emptied the
 * agent's tags, its other capability lists, its alert recipients and a policy's rules (OpenApiChecks now refuses a
 * document that would let a generated model do that).
 */
class PartialUpdatesTest {

    private static final ObjectMapper CLIENT = new ApiClient().getObjectMapper();

    @Test
    void aPatchSendsOnlyWhatWasSet() throws Exception {
        assertEquals("{\"description\":\"x\"}", CLIENT.writeValueAsString(new UpdateAgentRequest().description("x")));
        assertEquals("{\"capabilities\":{\"allowed_action_types\":[\"read\"]}}", CLIENT.writeValueAsString(
                new UpdateAgentRequest().capabilities(new CapabilitiesPatch().allowedActionTypes(List.of("read")))));
        assertEquals("{\"notifications\":{\"webhook_url\":\"https://hooks.example.com/a\"}}", CLIENT.writeValueAsString(
                new UpdateAgentRequest().notifications(new NotificationsPatch().webhookUrl("https://hooks.example.com/a"))));
        assertEquals("{\"description\":\"x\"}", CLIENT.writeValueAsString(new UpdatePolicyRequest().description("x")));
        // And a list set empty is sent empty: clearing tags stays possible
        assertEquals("{\"tags\":[]}", CLIENT.writeValueAsString(new UpdateAgentRequest().tags(List.of())));
    }
}
