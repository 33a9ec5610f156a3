package dev.warden.testing;

import org.jboss.logmanager.ExtLogRecord;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects what the service logs at WARNING or above while it is open, so a test can assert there is no noise. */
public final class LogCapture extends Handler implements AutoCloseable {

    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    private LogCapture() {
        setLevel(Level.WARNING);
    }

    public static LogCapture start() {
        LogCapture capture = new LogCapture();
        Logger.getLogger("").addHandler(capture);
        return capture;
    }

    /**
     * Nothing in the log but an outage itself: no double completion of a request, no 500 answered, no failure left
     * without a subscriber (Mutiny logs it as an ERROR: a fault trial's runs refused while the broker hung logged one
     * each). The fault tests of every service end with it.
     */
    public void assertNoNoise() {
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), mentioning("Result is already complete"));
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), mentioning("Unexpected failure"), "no 500 was answered");
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), mentioning("impossible to send it to client"),
                "no event stream failed after it began, where no error can be answered");
        org.junit.jupiter.api.Assertions.assertEquals(List.of(), mentioning("Mutiny had to drop"),
                "no failure was left without a subscriber");
    }

    /** The records so far whose message or any exception in their cause chain mentions {@code text}. */
    public List<String> mentioning(String text) {
        return records.stream().filter(r -> mentions(r, text))
                .map(r -> r.getLoggerName() + ": " + r.getMessage()
                        + (r.getThrown() == null ? "" : " / " + r.getThrown()))
                .toList();
    }

    /** The value of {@code key} in the log context (MDC) of each record of {@code logger} so far, as it was when logged. */
    public List<String> context(String logger, String key) {
        return records.stream().filter(r -> logger.equals(r.getLoggerName()))
                .map(r -> r instanceof ExtLogRecord ext ? String.valueOf(ext.getMdc(key)) : "null").toList();
    }

    @Override
    public void publish(LogRecord record) {
        if (isLoggable(record)) {
            if (record instanceof ExtLogRecord ext) {
                ext.copyMdc(); // the logging thread's, now: read later it would be the reader's
            }
            records.add(record);
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(this);
    }

    private static boolean mentions(LogRecord record, String text) {
        if (record.getMessage() != null && record.getMessage().contains(text)) {
            return true;
        }
        for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains(text) || t.getClass().getName().contains(text)) {
                return true;
            }
        }
        return false;
    }
}
