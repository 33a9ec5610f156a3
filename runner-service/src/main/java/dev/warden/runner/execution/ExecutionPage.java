package dev.warden.runner.execution;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/** A page of an agent's executions, oldest first. */
public record ExecutionPage(List<Execution> executions, long total,
                            @Schema(description = "false when the list is longer than the counted bound; total is then that bound") boolean totalExact,
                            @Schema(nullable = true, description = "null on the last page") String nextCursor) {
}
