package dev.warden.runner.execution;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/**
 * A page of an agent's executions, oldest first: up to {@code limit} of them, fewer when their recorded output would
 * pass the page's bound ({@code warden.runner.list-output-bytes}, 8 MiB), with {@code next_cursor} going on.
 */
public record ExecutionPage(List<Execution> executions, long total,
                            @Schema(description = "false when the list is longer than the counted bound; total is then that bound") boolean totalExact,
                            @Schema(nullable = true, description = "null on the last page; a page may end before its limit when its executions' output reaches the page's bound (8 MiB by default), and this goes on from there") String nextCursor) {
}
