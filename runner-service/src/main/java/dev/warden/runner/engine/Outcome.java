package dev.warden.runner.engine;

import com.fasterxml.jackson.annotation.JsonValue;

/** Seed 001's execution statuses, plus {@code running} while the container runs. */
public enum Outcome {
    RUNNING, SUCCESS, FAILURE, TIMEOUT, OOM, ERROR;

    @JsonValue
    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Outcome parse(String value) {
        return valueOf(value.toUpperCase(java.util.Locale.ROOT));
    }

    /**
     * What an exit means: the service's deadline passed (it killed the container) is a timeout; 137 (SIGKILL) without
     * one is the kernel's OOM killer, since Podman leaves OOMKilled false (ENVIRONMENT.md); 0 is success.
     */
    public static Outcome of(long exitCode, boolean timedOut, boolean oomKilled) {
        if (timedOut) {
            return TIMEOUT;
        }
        if (oomKilled || exitCode == 137) {
            return OOM;
        }
        return exitCode == 0 ? SUCCESS : FAILURE;
    }
}
