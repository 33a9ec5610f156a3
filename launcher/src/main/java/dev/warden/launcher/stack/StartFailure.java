package dev.warden.launcher.stack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Why a process the launcher started ended, read from its log: the first error of its last run and each
 * {@code Caused by:} of that error's stack trace, without the frames. The last lines of a failed Quarkus start are the
 * frames of its innermost exception; the line that says what to do (a missing variable, a key that does not match)
 * is a cause line above them. Quarkus' own "Failed to start" error comes first where there is one: another error
 * logged while the start fails (a scheduled job's, as the application stops) can come before it.
 */
final class StartFailure {

    /** How the launcher marks the start of each run in a service's log ({@link ServiceProcess}, {@link MigrationStep}). */
    private static final Pattern RUN_MARKER = Pattern.compile("^=== .*: (starting|migrating) .* ===$");
    /** A log line at level ERROR (Quarkus: {@code 20:41:48 ERROR [category] message}), or an uncaught exception. */
    private static final Pattern ERROR = Pattern.compile("^\\S+( \\S+)?\\s+(ERROR|FATAL)\\s+\\[.*|^Exception in thread .*"
            + "|^[a-zA-Z_$][\\w$]*(\\.[a-zA-Z_$][\\w$]*)+(Exception|Error)(: .*)?$");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What Quarkus' error says when an application fails to start (its category: {@code io.quarkus.runtime.Application}). */
    private static final String FAILED_START = "Failed to start";
    private static final int MOST_CAUSES = 6;
    private static final int MOST_CHARACTERS = 400;
    private static final int TAIL = 20;

    private StartFailure() {
    }

    /** What {@code log} says about the failure, each line indented; its last lines when it names no error. */
    static String describe(Path log) {
        try {
            return describe(Files.readAllLines(log));
        } catch (IOException | UncheckedIOException e) {
            return "  (cannot read " + log + ")";
        }
    }

    static String describe(List<String> all) {
        int start = 0;
        for (int i = all.size() - 1; i >= 0; i--) {
            if (RUN_MARKER.matcher(all.get(i).trim()).matches()) {
                start = i + 1;
                break;
            }
        }
        List<String> run = all.subList(start, all.size());
        List<String> shown = firstError(run, true);
        if (shown.isEmpty()) {
            shown = firstError(run, false);
        }
        if (shown.isEmpty()) {
            shown.addAll(run.subList(Math.max(0, run.size() - TAIL), run.size()));
        }
        return String.join("\n", shown.stream().map(StartFailure::shorten).map(line -> "  " + line).toList());
    }

    /** The first error of {@code run} (with its causes), of Quarkus' failed start only if {@code startOnly}. */
    private static List<String> firstError(List<String> run, boolean startOnly) {
        List<String> shown = new ArrayList<>();
        for (int i = 0; i < run.size(); i++) {
            if (startOnly && !run.get(i).contains(FAILED_START)) {
                continue;
            }
            List<String> json = jsonError(run.get(i));
            if (!json.isEmpty()) {
                shown.addAll(json);
                break;
            }
            if (ERROR.matcher(run.get(i)).matches()) {
                shown.add(run.get(i));
                for (int j = i + 1; j < run.size() && shown.size() <= MOST_CAUSES && isTrace(run.get(j)); j++) {
                    if (run.get(j).startsWith("Caused by: ")) {
                        shown.add(run.get(j));
                    }
                }
                break;
            }
        }
        return shown;
    }

    /**
     * A JSON log line ({@code WARDEN_LOG_JSON=true}) at level ERROR or FATAL: its message, then each exception of its
     * cause chain as {@code Caused by: type: message}; empty for any other line.
     */
    private static List<String> jsonError(String line) {
        if (!line.startsWith("{")) {
            return List.of();
        }
        JsonNode logged;
        try {
            logged = JSON.readTree(line);
        } catch (IOException notJson) {
            return List.of();
        }
        String level = logged.path("level").asText();
        if (!level.equals("ERROR") && !level.equals("FATAL")) {
            return List.of();
        }
        List<String> lines = new ArrayList<>();
        lines.add(level + " " + logged.path("message").asText());
        JsonNode exception = logged.path("exception");
        for (int depth = 0; exception.isObject() && depth < MOST_CAUSES; depth++) {
            lines.add("Caused by: " + exception.path("exceptionType").asText() + ": " + exception.path("message").asText());
            exception = exception.path("causedBy").path("exception");
        }
        return lines;
    }

    /** A line of a stack trace after its first: a frame, a cause, a suppressed exception, "... n more". */
    private static boolean isTrace(String line) {
        String trimmed = line.trim();
        return trimmed.startsWith("at ") || trimmed.startsWith("...")
                || trimmed.startsWith("Suppressed: ") || trimmed.startsWith("Caused by: ");
    }

    private static String shorten(String line) {
        return line.length() <= MOST_CHARACTERS ? line : line.substring(0, MOST_CHARACTERS) + " ...";
    }
}
