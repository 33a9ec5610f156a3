package dev.warden.fleet.api;

import io.quarkus.smallrye.openapi.OpenApiFilter;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;

import java.util.List;

/**
 * The document says what fleet-service answers: every error in seed 003's envelope ({@link Envelope.Failure}), the one
 * error shape with {@code ok: false} beside it. The shared error responses of warden-api name the plain {@code Error}
 * schema; here they name {@code FleetError}, so that a client generated with strict models (unknown properties refused)
 * reads fleet-service's errors instead of failing on {@code ok}.
 */
@OpenApiFilter(stages = OpenApiFilter.RunStage.BUILD)
public class FleetErrorDocument implements OASFilter {

    static final String PLAIN = "#/components/schemas/Error";
    static final String ENVELOPED = "FleetError";

    @Override
    public void filterOpenAPI(OpenAPI api) {
        if (api.getComponents() == null || api.getComponents().getResponses() == null) {
            return;
        }
        api.getComponents().addSchema(ENVELOPED, OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                .description("Every error fleet-service returns: the one error shape, with seed 003's ok: false beside it")
                .required(List.of("ok", "error"))
                // A plain boolean: with an enum of false, openapi-generator's Python models compare it as the string
                // "false" and refused every fleet error (the client raised with no body)
                .addProperty("ok", OASFactory.createSchema().addType(Schema.SchemaType.BOOLEAN)
                        .description("false: the request failed"))
                .addProperty("error", OASFactory.createSchema().ref("#/components/schemas/ErrorBody")));
        api.getComponents().getResponses().values().forEach(FleetErrorDocument::enveloped);
        if (api.getPaths() != null) {
            api.getPaths().getPathItems().values().forEach(item -> item.getOperations().values().forEach(operation ->
                    operation.getResponses().getAPIResponses().values().forEach(FleetErrorDocument::enveloped)));
        }
        api.getComponents().removeSchema("Error");
    }

    private static void enveloped(APIResponse response) {
        Content content = response.getContent();
        if (content == null || content.getMediaTypes() == null) {
            return;
        }
        content.getMediaTypes().values().forEach(media -> {
            if (media.getSchema() != null && PLAIN.equals(media.getSchema().getRef())) {
                media.setSchema(OASFactory.createSchema().ref(ENVELOPED));
            }
        });
    }
}
