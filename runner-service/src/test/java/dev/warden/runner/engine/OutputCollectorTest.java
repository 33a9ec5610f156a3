package dev.warden.runner.engine;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutputCollectorTest {

    @Test
    void chunksBecomeLinesPerStreamAndALastLineWithoutNewlineIsKept() {
        OutputCollector out = new OutputCollector(1024);
        out.accept(OutputCollector.Stream.STDOUT, bytes("hel"));
        out.accept(OutputCollector.Stream.STDERR, bytes("oops\n"));
        out.accept(OutputCollector.Stream.STDOUT, bytes("lo\nwor"));
        out.accept(OutputCollector.Stream.STDOUT, bytes("ld"));
        out.finish();

        assertEquals(List.of("hello", "world"), out.stdout());
        assertEquals(List.of("oops"), out.stderr());
        assertFalse(out.truncated());
    }

    @Test
    void pastTheCapOutputIsDroppedAndALineTheCapCutIsDroppedWhole() {
        OutputCollector out = new OutputCollector(10);
        out.accept(OutputCollector.Stream.STDOUT, bytes("1234\n5678\n90ab\n"));
        out.finish();

        assertEquals(List.of("1234", "5678"), out.stdout());
        assertTrue(out.truncated());
    }

    /** The lines {@code out}'s listeners hear, as they hear them. */
    private static List<OutputCollector.Line> heardFrom(OutputCollector out) {
        List<OutputCollector.Line> heard = new ArrayList<>();
        out.subscribe(heard::add, status -> { });
        return heard;
    }

    @Test
    void aCompleteReadReplacesALiveFeedThatSkippedLinesAndListenersHearAResetThenEveryLine() {
        OutputCollector live = new OutputCollector(1024);
        List<OutputCollector.Line> heard = heardFrom(live);
        live.accept(OutputCollector.Stream.STDOUT, bytes("1\n2\n4"));
        OutputCollector complete = new OutputCollector(1024);
        complete.accept(OutputCollector.Stream.STDOUT, bytes("1\n2\n3\n4\n5"));
        complete.accept(OutputCollector.Stream.STDERR, bytes("e\n"));

        live.settle(complete);
        live.accept(OutputCollector.Stream.STDOUT, bytes("late\n"));
        live.finish();

        assertEquals(List.of("1", "2", "3", "4", "5"), live.stdout());
        assertEquals(List.of("e"), live.stderr());
        assertEquals(List.of("1", "2", "", "1", "2", "3", "4", "5", "e"),
                heard.stream().map(l -> l.stream() == OutputCollector.Stream.RESET ? "" : l.text()).toList());
        assertEquals(OutputCollector.Stream.RESET, heard.get(2).stream());
    }

    @Test
    void aCompleteReadThatAgreesWithTheLiveFeedIsSilentAndTheCapStillHolds() {
        OutputCollector live = new OutputCollector(6);
        List<OutputCollector.Line> heard = heardFrom(live);
        live.accept(OutputCollector.Stream.STDOUT, bytes("ab\ncd\nef"));
        OutputCollector complete = new OutputCollector(6);
        complete.accept(OutputCollector.Stream.STDOUT, bytes("ab\ncd\nef\ngh\n"));

        live.settle(complete);

        assertEquals(List.of("ab", "cd"), live.stdout());
        assertTrue(live.truncated());
        assertEquals(2, heard.size());
    }

    @Test
    void aLateSubscriberGetsTheLinesSoFarThenTheRestThenTheStatus() {
        OutputCollector out = new OutputCollector(1024);
        out.accept(OutputCollector.Stream.STDOUT, bytes("a\n"));
        List<String> seen = new ArrayList<>();
        out.subscribe(line -> seen.add(line.text()), status -> seen.add("end:" + status));
        out.accept(OutputCollector.Stream.STDOUT, bytes("b\n"));
        out.end("success");
        out.end("error");

        assertEquals(List.of("a", "b", "end:success"), seen);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
