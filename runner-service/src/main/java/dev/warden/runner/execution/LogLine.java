package dev.warden.runner.execution;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One event of the log stream: a line of stdout or stderr, and last an {@code end} event whose {@code line} is the
 * execution's status. A {@code reset} event says that the lines so far are replaced by the ones after it: the engine's
 * live feed skipped some, and the whole output, read again from the engine, follows.
 */
@Schema(name = "LogLine")
public record LogLine(@Schema(enumeration = {"stdout", "stderr", "reset", "end"}) String stream, String line) {
}
