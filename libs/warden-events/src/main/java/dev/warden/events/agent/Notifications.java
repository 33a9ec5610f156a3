package dev.warden.events.agent;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Notifications(Boolean alertOnHighRisk, List<String> alertRecipients,
                            @Schema(nullable = true) String webhookUrl) {

    public static final Notifications NONE = new Notifications(false, List.of(), null);

    public Notifications merge(Notifications patch) {
        if (patch == null) {
            return this;
        }
        return new Notifications(
                patch.alertOnHighRisk != null ? patch.alertOnHighRisk : alertOnHighRisk,
                patch.alertRecipients != null ? patch.alertRecipients : alertRecipients,
                patch.webhookUrl != null ? patch.webhookUrl : webhookUrl);
    }
}
