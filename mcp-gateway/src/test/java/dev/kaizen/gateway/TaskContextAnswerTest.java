package dev.kaizen.gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.kaizen.api.Rules;
import dev.kaizen.api.v1.TaskContextEntry;
import io.modelcontextprotocol.json.McpJsonDefaults;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fitting a search answer to a context budget, on its own. */
class TaskContextAnswerTest {

    private static List<TaskContextEntry> ranked(int count, int length) {
        List<TaskContextEntry> entries = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            String content = ("Entry " + i + " talks at length. ").repeat(length / 25) + "The pool size matters. "
                    + "x".repeat(10);
            entries.add(TaskContextEntry.newBuilder().setId(i).setScope("acme:web").setRelevance(1.0 - i / 100.0)
                    .setContent(content).setDistance(0).build());
        }
        return entries;
    }

    private static int size(TaskContextAnswer answer) throws Exception {
        return McpJsonDefaults.getMapper().writeValueAsString(answer.body()).length();
    }

    @Test
    void noAnswerExceedsItsBudget() throws Exception {
        for (int budget : List.of(Rules.MAX_TOKENS_MIN, 500, 1000, 4000, 20_000)) {
            for (int length : List.of(50, 1_000, 10_000, 65_536)) {
                TaskContextAnswer answer = TaskContextAnswer.fit(ranked(50, length), List.of("pool size"), budget, 0,
                        McpJsonDefaults.getMapper());
                int links = answer.excerpted().size() * 120;
                assertTrue(size(answer) + links <= budget * Rules.CHARS_PER_TOKEN,
                        () -> "budget " + budget + ", entries of " + length);
            }
        }
    }

    @Test
    void theBestComeWholeTheRestAsExcerptsWithALinkAndTheAnswerSaysHowToReadOn() throws Exception {
        TaskContextAnswer answer = TaskContextAnswer.fit(ranked(50, 1_000), List.of("pool size"), 1_000, 0,
                McpJsonDefaults.getMapper());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> results = (List<Map<String, Object>>) answer.body().get("results");
        assertTrue(results.getFirst().containsKey("content"), "the best entry is whole");
        Map<String, Object> excerpt = results.getLast();
        assertTrue(excerpt.containsKey("excerpt") && !excerpt.containsKey("content"));
        assertEquals(TaskContextAnswer.ENTRY_URI + excerpt.get("id"), excerpt.get("uri"));
        assertTrue(((String) excerpt.get("excerpt")).contains("pool size"), "the excerpt shows the matched words");
        assertTrue(((String) excerpt.get("excerpt")).length() <= TaskContextAnswer.EXCERPT_CHARS + 6);
        assertEquals(50, answer.body().get("matched"));
        int shown = results.size();
        assertEquals(50 - shown, answer.body().get("more"));
        assertEquals(shown, answer.body().get("next_offset"));
        assertEquals(results.stream().filter(result -> result.containsKey("excerpt")).count(), answer.excerpted().size());

        TaskContextAnswer next = TaskContextAnswer.fit(ranked(50, 1_000), List.of("pool size"), 1_000, shown,
                McpJsonDefaults.getMapper());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> following = (List<Map<String, Object>>) next.body().get("results");
        assertEquals(String.valueOf(shown + 1), following.getFirst().get("id"), "next_offset reads on");
    }

    @Test
    void aLargeBudgetAnswersEveryEntryWholeAndSaysNothingIsLeft() {
        TaskContextAnswer answer = TaskContextAnswer.fit(ranked(5, 100), List.of("pool"), 4_000, 0,
                McpJsonDefaults.getMapper());
        assertEquals(5, ((List<?>) answer.body().get("results")).size());
        assertFalse(answer.body().containsKey("more"));
        assertTrue(answer.excerpted().isEmpty());
    }

    @Test
    void anExcerptIsAroundTheFirstMatchedWordOrTheBeginning() {
        String content = "Start. " + "filler ".repeat(100) + "Retries need a jittered backoff. " + "tail ".repeat(100);
        String excerpt = TaskContextAnswer.excerpt(content, List.of("backoff retry"));
        assertTrue(excerpt.startsWith("...") && excerpt.endsWith("..."), excerpt);
        assertTrue(excerpt.contains("Retries need a jittered backoff."), excerpt);
        assertTrue(TaskContextAnswer.excerpt(content, List.of("absent")).startsWith("Start. "));
        assertEquals("short", TaskContextAnswer.excerpt("short", List.of("x")));
    }
}
