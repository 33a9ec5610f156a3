package dev.warden.registry.rebuild;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** A rebuild as a platform admin sees it: offsets and counts only, nothing of any organization. */
public final class RebuildWire {

    private RebuildWire() {
    }

    @Schema(name = "RegistryRebuild", description = "A replay of the consumed topics from offset zero into a fresh projection")
    public record RebuildResponse(UUID id,
                                  @Schema(description = "The projection's generation this rebuild started") long generation,
                                  @Schema(enumeration = {"running", "done", "failed"}) String state,
                                  String requestedBy, Instant startedAt,
                                  @Schema(nullable = true, description = "When it was done or failed") Instant finishedAt,
                                  @Schema(nullable = true, description = "Why it failed") String reason,
                                  @Schema(description = "Records of the consumed topics up to their end offsets when the "
                                          + "rebuild started") long recordsToReplay,
                                  @Schema(description = "Of those, the records the projection has applied again") long recordsReplayed,
                                  @Schema(description = "records_replayed of records_to_replay, 0 to 100, rounded down")
                                  double percent,
                                  @Schema(description = "Whether every partition still held its first record (offset 0) "
                                          + "when the rebuild started; false: retention had deleted part of the history, "
                                          + "which the rebuilt projection lacks") boolean historyComplete,
                                  List<PartitionProgress> partitions) {

        static RebuildResponse of(Rebuild r) {
            return new RebuildResponse(r.id(), r.generation(), r.state(), r.requestedBy(), r.startedAt(), r.finishedAt(),
                    r.reason(), r.toReplay(), r.replayed(), r.percent(), r.historyComplete(),
                    r.partitions().stream().map(PartitionProgress::of).toList());
        }
    }

    @Schema(name = "RegistryRebuildPartition", description = "One partition of a consumed topic")
    public record PartitionProgress(String topic, int partition,
                                    @Schema(description = "The first offset the partition held when the rebuild started") long from,
                                    @Schema(description = "Its end offset then: the rebuild is done when every partition "
                                            + "has applied up to it") long to,
                                    @Schema(description = "The offset up to which the rebuild has applied it, as last measured")
                                    long applied) {

        static PartitionProgress of(Rebuild.Partition p) {
            return new PartitionProgress(p.topic(), p.partition(), p.from(), p.to(), p.applied());
        }
    }

    @Schema(name = "RegistryRebuildList")
    public record RebuildListResponse(List<RebuildResponse> rebuilds,
                                      @Schema(nullable = true, description = "null on the last page") String nextCursor) {
    }
}
