package dev.warden.launcher.stack;

import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The supervisor's checks outlive the HTTP client they use. */
class ServiceProcessTest {

    /**
     * A user trial's flood ran the launcher's heap out, the JDK client's selector thread died of it, and every later
     * check failed, so the supervisor killed every service again and again: a terminated client is replaced.
     */
    @Test
    void aTerminatedClientIsReplacedByTheNextCheck() {
        HttpClient first = ServiceProcess.http();
        assertSame(first, ServiceProcess.http());
        first.close();
        assertTrue(first.isTerminated());
        HttpClient next = ServiceProcess.http();
        assertNotSame(first, next);
        assertFalse(next.isTerminated());
    }
}
