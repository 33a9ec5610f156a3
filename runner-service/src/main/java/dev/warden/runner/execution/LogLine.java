package dev.warden.runner.execution;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One event of the log stream: a line of stdout or stderr, and last an {@code end} event whose {@code line} is the
 * execution's status.
 */
@Schema(name = "LogLine")
public record LogLine(@Schema(enumeration = {"stdout", "stderr", "end"}) String stream, String line) {
}
