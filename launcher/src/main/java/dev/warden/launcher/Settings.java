package dev.warden.launcher;

import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where the launcher's settings come from. {@link #fromSystem()} reads a system property first, then the environment
 * variable of the same name, so {@code -DWARDEN_PG_PORT=0} and {@code WARDEN_PG_PORT=0} mean the same; tests pass a map.
 */
public final class Settings {

    private final Function<String, String> lookup;

    public Settings(Function<String, String> lookup) {
        this.lookup = lookup;
    }

    public static Settings fromSystem() {
        return new Settings(name -> System.getProperty(name, System.getenv(name)));
    }

    public static Settings of(Map<String, String> values) {
        return new Settings(values::get);
    }

    public Optional<String> find(String name) {
        return Optional.ofNullable(lookup.apply(name)).map(String::trim).filter(v -> !v.isEmpty());
    }

    public String get(String name, String fallback) {
        return find(name).orElse(fallback);
    }

    /** A TCP port; 0 means "any free port". */
    public int port(String name, int fallback) {
        String value = get(name, String.valueOf(fallback));
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new LauncherException(name + "=" + value + " is not a port (0 to 65535; 0 picks a free one)");
    }

    public int seconds(String name, int fallback) {
        String value = get(name, String.valueOf(fallback));
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new LauncherException(name + "=" + value + " is not a number of seconds");
        }
    }
}
