package dev.warden.bench.outbox;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * A wall-clock sampler of the relay thread: every few hundred microseconds it takes the thread's stack and files it
 * under the relay step it is in (reading the batch, handing it to the producer, waiting for the acknowledgements,
 * deleting). The relay is a single loop, so the shares are where its time goes, waiting included. It costs a
 * safepoint per sample, so it runs only in the profiling round, never in a measured one.
 */
final class RelaySampler implements AutoCloseable {

    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final Thread sampler;
    private volatile boolean running = true;
    private volatile boolean active;
    private long samples;

    RelaySampler(String threadName, long intervalMicros) {
        sampler = Thread.ofPlatform().daemon().name("bench-relay-sampler").start(() -> {
            Thread relay = null;
            while (running) {
                if (active && (relay == null || !relay.isAlive())) {
                    relay = find(threadName);
                }
                if (relay != null && active) {
                    counts.computeIfAbsent(classify(relay.getStackTrace()), k -> new LongAdder()).increment();
                }
                LockSupport.parkNanos(intervalMicros * 1000);
            }
        });
    }

    private static Thread find(String name) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> name.equals(t.getName())).findFirst()
                .orElse(null);
    }

    /**
     * The relay step of a stack: the OutboxRelay method it is in (or the LeaderLoop between rounds), refined by the
     * library frame doing the work.
     */
    static String classify(StackTraceElement[] stack) {
        String step = null;
        int stepIndex = -1;
        for (int i = 0; i < stack.length; i++) {
            StackTraceElement f = stack[i];
            if (f.getClassName().equals("dev.warden.outbox.OutboxRelay")) {
                step = switch (f.getMethodName()) {
                    case "next" -> "SELECT batch";
                    case "delete" -> "DELETE acknowledged";
                    case "send" -> "send";
                    case "runOnce", "lead" -> "loop";
                    default -> f.getMethodName();
                };
                stepIndex = i;
                break;
            }
            if (f.getClassName().equals("dev.warden.outbox.RelayProducer")) {
                step = "send";
                stepIndex = i;
            }
            if (f.getClassName().equals("dev.warden.outbox.LeaderLoop") && step == null) {
                // Between rounds: the leader loop waiting for a NOTIFY, or backing off.
                step = "loop";
                stepIndex = i;
                break;
            }
        }
        if (step == null) {
            return "outside the relay loop";
        }
        String detail = detail(stack, stepIndex, step);
        return detail == null ? step : step + ": " + detail;
    }

    private static String detail(StackTraceElement[] stack, int stepIndex, String step) {
        if (step.equals("send")) {
            for (int i = 0; i < stepIndex; i++) {
                if (stack[i].getClassName().endsWith("KafkaProducer") && stack[i].getMethodName().equals("flush")) {
                    return "producer.flush (waiting for acks)";
                }
            }
        }
        for (int i = 0; i < stepIndex; i++) {
            String c = stack[i].getClassName();
            String m = stack[i].getMethodName();
            if (step.equals("send")) {
                if (c.endsWith("FutureRecordMetadata") || c.endsWith("ProduceRequestResult")) {
                    return "future.get (after flush)";
                }
                if (c.endsWith("RelayProducer") && m.equals("ensureTopic")) {
                    return "ensureTopic";
                }
                if (c.endsWith("StringSerializer")) {
                    return "producer.send (serialize)";
                }
                if (c.endsWith("BufferPool")) {
                    return "producer.send (waiting for buffer memory)";
                }
                if (c.endsWith("KafkaProducer") && (m.equals("send") || m.equals("doSend"))) {
                    return "producer.send (partition, append)";
                }
            } else if (step.startsWith("SELECT") || step.startsWith("DELETE")) {
                if (c.startsWith("java.net") || c.startsWith("sun.nio") || c.startsWith("java.io")
                        || c.startsWith("sun.net") || c.contains("VisibleBufferedInputStream")) {
                    return "waiting for PostgreSQL";
                }
                if (c.startsWith("org.postgresql.core.Encoding") || c.startsWith("org.postgresql.jdbc.PgResultSet")
                        && m.startsWith("get")) {
                    return "decoding rows";
                }
                if (c.startsWith("org.postgresql")) {
                    return "JDBC driver";
                }
            } else if (step.equals("loop")) {
                if (c.startsWith("org.postgresql")) {
                    return "waiting for notifications (idle)";
                }
            }
        }
        if (step.equals("send")) {
            return "relay code (building records, ack loop)";
        }
        if (step.startsWith("SELECT")) {
            return "relay code (building the batch)";
        }
        return null;
    }

    /** Drops what was sampled so far and samples from now on. */
    void restart() {
        counts.clear();
        active = true;
    }

    /** Stops sampling; the counts stay. */
    void pause() {
        active = false;
    }

    /** Shares of the samples, largest first. */
    Map<String, Double> shares() {
        long total = counts.values().stream().mapToLong(LongAdder::sum).sum();
        samples = total;
        Map<String, Double> out = new TreeMap<>();
        counts.forEach((k, v) -> out.put(k, total == 0 ? 0 : v.sum() / (double) total));
        return out;
    }

    long samples() {
        return samples;
    }

    @Override
    public void close() {
        running = false;
        try {
            sampler.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
