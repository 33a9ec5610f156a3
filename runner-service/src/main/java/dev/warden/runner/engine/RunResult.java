package dev.warden.runner.engine;

import java.util.List;

/**
 * What came of a run: its outcome, the exit code (null when the container never ran), the wall time from start to exit,
 * the output kept (lines of each stream, at most the tier's bytes), whether some was dropped, the image's digest as
 * the engine resolved it, and for {@code error} what went wrong.
 */
public record RunResult(Outcome status, Integer exitCode, long durationMs, List<String> stdout, List<String> stderr,
                        boolean truncated, String imageDigest, String error) {

    /**
     * A run cut short (the service stopping, the run stopped): an error, with what the container printed until then,
     * so that its record and audit entry do not understate what it did.
     */
    public static RunResult interrupted(OutputCollector output, long durationMs, String imageDigest) {
        return new RunResult(Outcome.ERROR, null, durationMs, output.stdout(), output.stderr(), output.truncated(),
                imageDigest, "the run was interrupted");
    }

    public static RunResult error(String message, long durationMs, String imageDigest) {
        return new RunResult(Outcome.ERROR, null, durationMs, List.of(), List.of(), false, imageDigest, message);
    }
}
