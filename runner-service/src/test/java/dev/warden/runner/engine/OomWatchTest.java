package dev.warden.runner.engine;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

class OomWatchTest {

    @Test
    void theKillCountIsReadFromEitherCgroupVersionsFile() {
        assertEquals(2, DockerEngine.OomWatch.oomKills(List.of("oom_kill_disable 0", "under_oom 0", "oom_kill 2")));
        assertEquals(1, DockerEngine.OomWatch.oomKills(List.of("low 0", "high 0", "max 7", "oom 1", "oom_kill 1",
                "oom_group_kill 0")));
        assertEquals(0, DockerEngine.OomWatch.oomKills(List.of("oom 0")));
    }

    @Test
    void aCgroupThatIsNotTheContainersOwnIsNeverRead() {
        DockerEngine.OomWatch watch = new DockerEngine.OomWatch("abc123");

        assertNull(watch.counterOf(List.of("0::/user.slice/session-1.scope", "4:memory:/libpod_parent/libpod-def456")));
        watch.look(-1L);
        assertFalse(watch.killed());
    }
}
