package dev.kaizen.knowledge;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import dev.kaizen.api.v1.GetTaskContextRequest;
import dev.kaizen.api.v1.GetTaskContextResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Measures what paging through a search costs over gRPC: the bytes of page 1 and page 2 of an answer
 * and the latency of page 2, on 50 long entries that all match (search.max_results). Not a test: run
 * it with {@code mvn -o test -pl knowledge-service -Dtest=TaskContextPagingMeasurement -Dkaizen.measure=true};
 * it prints to target/paging-measurement.txt.
 */
@EnabledIfSystemProperty(named = "kaizen.measure", matches = "true")
class TaskContextPagingMeasurement extends ServiceTest {
    private static final int ENTRIES = 50;
    private static final int ROUNDS = 100;
    private static final String QUERY = "connection pool sizing";

    @Test
    void measure() throws IOException {
        String ns = namespace();
        String scope = ns + ":default";
        for (int i = 0; i < ENTRIES; i++) {
            write(scope, "Entry " + i + ": the connection pool sizing rule. " + ("Every service keeps its pool small and "
                    + "measures the wait for a connection before it grows it; ").repeat(30), "pool connections");
        }
        refreshSearchStatistics();
        Path out = Path.of("target/paging-measurement.txt");
        Files.writeString(out, "");
        List<Pages> pagings = pagings(scope);
        for (Pages pages : pagings) {
            for (int i = 0; i < 10; i++) {
                pages.page1();
                pages.page2();
            }
        }
        // the ways take turns, round by round, so a busy moment of the machine falls on each alike
        List<List<Long>> page2Nanos = new ArrayList<>();
        pagings.forEach(pages -> page2Nanos.add(new ArrayList<>()));
        long[] page1Bytes = new long[pagings.size()];
        long[] page2Bytes = new long[pagings.size()];
        for (int round = 0; round < ROUNDS; round++) {
            for (int way = 0; way < pagings.size(); way++) {
                Pages pages = pagings.get(way);
                page1Bytes[way] = pages.page1().getSerializedSize();
                long start = System.nanoTime();
                GetTaskContextResponse second = pages.page2();
                page2Nanos.get(way).add(System.nanoTime() - start);
                page2Bytes[way] = second.getSerializedSize();
            }
        }
        for (int way = 0; way < pagings.size(); way++) {
            List<Long> nanos = page2Nanos.get(way);
            Collections.sort(nanos);
            String line = String.format("%s: page 1 %,d bytes, page 2 %,d bytes; page 2 latency median %.1f ms, p90 %.1f ms "
                            + "(%d rounds)%n", pagings.get(way).name(), page1Bytes[way], page2Bytes[way],
                    nanos.get(ROUNDS / 2) / 1e6, nanos.get(ROUNDS * 9 / 10) / 1e6, ROUNDS);
            Files.writeString(out, line, StandardOpenOption.APPEND);
            System.out.print(line);
        }
    }

    /** One way to read pages 1 and 2 of the same answer. */
    interface Pages {
        String name();

        GetTaskContextResponse page1();

        GetTaskContextResponse page2();
    }

    /**
     * The whole list every time, as the gateway asked before the budget moved into the service: it
     * cut each page (4,000 tokens) from the full answer itself.
     */
    static List<Pages> pagings(String scope) {
        GetTaskContextRequest whole = GetTaskContextRequest.newBuilder().setScope(scope).addQueries(QUERY).build();
        GetTaskContextRequest budgeted = whole.toBuilder().setMaxTokens(dev.kaizen.api.Rules.MAX_TOKENS_DEFAULT).build();
        int second = service.knowledge().getTaskContext(budgeted).getNextOffset();
        return List.of(new Pages() {
            public String name() {
                return "the service fits each page (max_tokens " + dev.kaizen.api.Rules.MAX_TOKENS_DEFAULT + ", offset)";
            }

            public GetTaskContextResponse page1() {
                return service.knowledge().getTaskContext(budgeted);
            }

            public GetTaskContextResponse page2() {
                return service.knowledge().getTaskContext(budgeted.toBuilder().setOffset(second).build());
            }
        }, new Pages() {
            public String name() {
                return "whole list per page (the gateway cuts)";
            }

            public GetTaskContextResponse page1() {
                return service.knowledge().getTaskContext(whole);
            }

            public GetTaskContextResponse page2() {
                return service.knowledge().getTaskContext(whole);
            }
        });
    }
}
