package dev.warden.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/** The one error shape of every Warden service: {@code {"error": {"code", "message", "details"}}}. */
@Schema(name = "Error", description = "Every error Warden returns has this shape.", requiredProperties = "error")
public record ErrorResponse(Body error) {

    public static ErrorResponse of(String code, String message, List<FieldError> details) {
        return new ErrorResponse(new Body(code, message, details == null ? List.of() : details));
    }

    @Schema(name = "ErrorBody", requiredProperties = {"code", "message", "details"})
    public record Body(
            @Schema(description = "Stable machine-readable code", examples = "invalid_request") String code,
            @Schema(description = "What went wrong, for a person") String message,
            @Schema(description = "One entry per offending field or parameter") List<FieldError> details) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(name = "FieldError", requiredProperties = "reason")
    public record FieldError(
            @Schema(description = "JSON path of the body field, or the parameter name", examples = "risk_config.max_risk_threshold") String field,
            @Schema(description = "Why the value was refused") String reason) {
    }
}
