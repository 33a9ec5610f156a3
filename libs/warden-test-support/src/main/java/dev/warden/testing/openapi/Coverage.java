package dev.warden.testing.openapi;

import dev.warden.testing.openapi.ApiDocument.Operation;
import dev.warden.testing.openapi.Cases.Case;
import dev.warden.testing.openapi.Exchange.Answer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * One successful, valid call of every operation, creating what later ones need: operations that create come first
 * (fewest path ids first), those that remove come last (most path ids first, so that a binding goes before what it
 * binds). An operation that needs earlier state (a rollback needs two versions) gets a second round after the others
 * ran again on the same ids.
 */
final class Coverage {

    private static final List<String> ORDER = List.of("POST", "PUT", "PATCH", "GET", "DELETE");
    private static final int ATTEMPTS = 6;

    private Coverage() {
    }

    /** Each operation's first 2xx exchange, or its last attempt when none succeeded; every exchange goes to {@code seen}. */
    static Map<Operation, Exchanged> everyOperation(Driver driver, Cases cases, BiConsumer<Case, Answer> seen) {
        List<Operation> ordered = new ArrayList<>(driver.doc.operations());
        ordered.sort(Comparator.<Operation>comparingInt(op -> op.method().equals("DELETE") ? 1 : 0)
                .thenComparingInt(op -> (op.method().equals("DELETE") ? -1 : 1) * op.in("path").size())
                .thenComparingInt(op -> ORDER.indexOf(op.method()))
                .thenComparing(Operation::path));
        Map<Operation, Exchanged> done = new LinkedHashMap<>();
        for (int round = 0; round < 2; round++) {
            for (Operation op : ordered) {
                boolean again = round > 0 && !op.in("path").isEmpty() && !op.method().equals("DELETE");
                if (done.containsKey(op) && done.get(op).succeeded() && !again) {
                    continue;
                }
                for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
                    Case c = cases.valid(op, attempt < 2);
                    Answer answer = driver.send(op, c.request());
                    seen.accept(c, answer);
                    Exchanged exchanged = new Exchanged(c, answer);
                    if (!done.containsKey(op) || !done.get(op).succeeded()) {
                        done.put(op, exchanged);
                    }
                    if (exchanged.succeeded()) {
                        break;
                    }
                }
            }
        }
        return done;
    }

    record Exchanged(Case c, Answer answer) {

        boolean succeeded() {
            return answer.status() >= 200 && answer.status() < 300;
        }
    }
}
