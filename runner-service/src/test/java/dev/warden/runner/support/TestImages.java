package dev.warden.runner.support;

import dev.warden.testing.LocalPodman;

import java.util.List;

/** The images of the tests, imported from busybox (no registry): each one's command is the behaviour under test. */
public final class TestImages {

    public static final String HELLO = "localhost/warden/test-hello:1";
    public static final String FAIL = "localhost/warden/test-fail:1";
    public static final String OOM = "localhost/warden/test-oom:1";
    /** A child killed for memory under a main process that carries on and exits 0. */
    public static final String OOM_CHILD = "localhost/warden/test-oom-child:1";
    public static final String SLEEP = "localhost/warden/test-sleep:1";
    public static final String FLOOD = "localhost/warden/test-flood:1";
    /** 10,000 lines (48,894 bytes, under the test tier's cap) printed as fast as it can, then an exit. */
    public static final String BURST = "localhost/warden/test-burst:1";
    public static final String CONFINED = "localhost/warden/test-confined:1";
    public static final String TICKER = "localhost/warden/test-ticker:1";
    /** Prints a line, then sleeps 30 s: a run that is surely going when a test stops it. */
    public static final String TALK_THEN_SLEEP = "localhost/warden/test-talk-then-sleep:1";
    public static final String SCRATCH = "localhost/warden/test-scratch:1";
    /** Prints what it was told in its environment: its version, then its config. */
    public static final String TOLD = "localhost/warden/test-told:1";
    public static final int BURST_LINES = 10_000;
    /** Never imported: a run of it is an error. */
    public static final String MISSING = "localhost/warden/not-there:1";

    private TestImages() {
    }

    static void importAll(LocalPodman podman) {
        podman.importImage(HELLO, List.of("sh", "-c", "echo hello; echo world; echo oops >&2"));
        podman.importImage(FAIL, List.of("sh", "-c", "echo failing >&2; exit 3"));
        // tail keeps the last 100 MB of an endless stream in memory: far past the test tier's 32 MiB.
        podman.importImage(OOM, List.of("tail", "-c", "100000000", "/dev/zero"));
        podman.importImage(OOM_CHILD, List.of("sh", "-c", "tail -c 100000000 /dev/zero; echo survived; sleep 1"));
        podman.importImage(SLEEP, List.of("sleep", "600"));
        podman.importImage(FLOOD, List.of("seq", "1", "200000"));
        podman.importImage(BURST, List.of("seq", "1", String.valueOf(BURST_LINES)));
        // What the container may do: who it runs as, whether / is writable, whether it has a network.
        podman.importImage(CONFINED, List.of("sh", "-c",
                "id -u; (touch /probe 2>/dev/null && echo rootfs-writable) || echo rootfs-read-only; "
                        + "ls /sys/class/net; cat /proc/self/status | grep -E '^(CapEff|NoNewPrivs)'"));
        podman.importImage(TOLD, List.of("sh", "-c", "echo \"$WARDEN_AGENT_VERSION\"; echo \"${WARDEN_AGENT_CONFIG:-none}\""));
        podman.importImage(TALK_THEN_SLEEP, List.of("sh", "-c", "echo started; sleep 30"));
        podman.importImage(TICKER, List.of("sh", "-c", "echo tick-1; sleep 1; echo tick-2; sleep 1; echo tick-3"));
        // Where it may write, and whether it may run what it wrote there: /tmp, the places Podman mounts writable on a
        // read-only root, and a VOLUME the image declares (an anonymous volume on the host's disk before)
        podman.importImage(SCRATCH, List.of("sh", "-c", "for d in /tmp /var/tmp /run /data; do "
                + "(echo x > $d/w 2>/dev/null && echo $d-writable) || echo $d-read-only; "
                + "(cp /bin/busybox $d/bb 2>/dev/null && $d/bb true 2>/dev/null && echo $d-exec) || echo $d-noexec; done; "
                + "df -k /dev/shm | tail -1 | awk '{print \"shm-kb-\" $2}'; "
                + "printf 'a\\000b\\n'"), List.of("VOLUME /data"));
    }
}
