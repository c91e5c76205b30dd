package dev.kaizen.knowledge;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.kaizen.api.Rules;
import dev.kaizen.api.SearchResultJson;
import dev.kaizen.api.v1.GetTaskContextResponse;
import dev.kaizen.api.v1.Match;
import dev.kaizen.api.v1.TaskContextEntry;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fitting a page of a search answer to a context budget, on its own: no server, no database. */
class TaskContextPageTest {
    private static final List<String> POOL = List.of("pool size");

    private static Map<Long, String> contents(int count, int length) {
        Map<Long, String> contents = new HashMap<>();
        for (long i = 1; i <= count; i++) {
            contents.put(i, ("Entry " + i + " talks at length. ").repeat(length / 25) + "The pool size matters. "
                    + "x".repeat(10));
        }
        return contents;
    }

    private static List<TaskContextEntry> ranked(int count) {
        List<TaskContextEntry> entries = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            entries.add(TaskContextEntry.newBuilder().setId(i).setScope("acme:web").setRelevance(1.0 - i / 100.0)
                    .setMatch(i % 3 == 0 ? Match.MATCH_MEANING : Match.MATCH_WORDS).build());
        }
        return entries;
    }

    /** The page, and the ids whose contents it read (beyond the first batch, which it is given). */
    private record Answer(GetTaskContextResponse response, List<Long> read) {
        int chars() {
            return SearchResultJson.ENVELOPE_CHARS + response.getEntriesList().stream()
                    .mapToInt(entry -> SearchResultJson.chars(entry, entry.getExcerpt().isEmpty() ? null : entry.getExcerpt()))
                    .sum();
        }
    }

    private static Answer page(int count, int length, Integer maxTokens, int offset) {
        Map<Long, String> contents = contents(count, length);
        TaskContextPage page = new TaskContextPage(maxTokens, offset, POOL);
        List<TaskContextEntry> ranked = ranked(count);
        Map<Long, String> first = new HashMap<>();
        for (int i = page.firstRead(); i < Math.min(count, page.firstRead() + page.firstBatch()); i++) {
            first.put(ranked.get(i).getId(), contents.get(ranked.get(i).getId()));
        }
        List<Long> read = new ArrayList<>();
        GetTaskContextResponse response = page.answer(ranked, first, ids -> {
            read.addAll(ids);
            Map<Long, String> batch = new HashMap<>();
            ids.forEach(id -> batch.put(id, contents.get(id)));
            return batch;
        }, GetTaskContextResponse.newBuilder()).build();
        return new Answer(response, read);
    }

    @Test
    void noPageExceedsItsBudget() {
        for (int budget : List.of(Rules.MAX_TOKENS_MIN, 500, 1000, 4000, 20_000)) {
            for (int length : List.of(50, 1_000, 10_000, 65_536)) {
                Answer answer = page(50, length, budget, 0);
                assertTrue(answer.chars() <= budget * Rules.CHARS_PER_TOKEN, () -> "budget " + budget + ", entries of "
                        + length + ": " + answer.chars());
            }
        }
    }

    @Test
    void theBestComeWholeTheRestAsExcerptsAndThePageSaysWhereTheNextStarts() {
        GetTaskContextResponse answer = page(50, 1_000, 1_000, 0).response();
        assertFalse(answer.getEntries(0).getContent().isEmpty(), "the best entry is whole");
        TaskContextEntry last = answer.getEntries(answer.getEntriesCount() - 1);
        assertTrue(last.getContent().isEmpty() && last.getExcerpt().contains("pool size"), last.toString());
        assertTrue(last.getExcerpt().length() <= SearchResultJson.EXCERPT_CHARS + 6);
        assertEquals(50, answer.getMatched());
        assertEquals(answer.getEntriesCount(), answer.getNextOffset());

        GetTaskContextResponse next = page(50, 1_000, 1_000, answer.getNextOffset()).response();
        assertEquals(answer.getNextOffset() + 1, next.getEntries(0).getId(), "next_offset reads on");
    }

    @Test
    void aPageReadsNoContentBeforeItsOffsetNorAfterItsBudget() {
        Answer second = page(50, 10_000, 1_000, 20);
        assertTrue(second.read().stream().allMatch(id -> id > 20), "nothing before the offset: " + second.read());
        Answer small = page(50, 10_000, 1_000, 0);
        assertTrue(small.read().isEmpty(), "a page that fits in the first batch reads nothing more: " + small.read());
        Answer many = page(200, 50, 20_000, 0);
        assertEquals(200, many.response().getEntriesCount());
        assertTrue(many.read().size() <= 200 - TaskContextPage.FIRST_BATCH, "later contents come in batches");
    }

    @Test
    void withoutABudgetEveryEntryComesWholeAndNothingIsLeft() {
        GetTaskContextResponse answer = page(5, 100, null, 0).response();
        assertEquals(5, answer.getEntriesCount());
        assertTrue(answer.getEntriesList().stream().allMatch(entry -> !entry.getContent().isEmpty()
                && entry.getExcerpt().isEmpty()));
        assertFalse(answer.hasNextOffset());
        assertEquals(5, answer.getMatched());
    }

    @Test
    void anExcerptIsAroundTheFirstMatchedWordOrTheBeginning() {
        String content = "Start. " + "filler ".repeat(100) + "Retries need a jittered backoff. " + "tail ".repeat(100);
        String excerpt = TaskContextPage.excerpt(content, List.of("backoff retry"));
        assertTrue(excerpt.startsWith("...") && excerpt.endsWith("..."), excerpt);
        assertTrue(excerpt.contains("Retries need a jittered backoff."), excerpt);
        // an entry found by meaning alone holds no word of the query: its beginning
        assertTrue(TaskContextPage.excerpt(content, List.of("How do we undo a bad deployment?")).startsWith("Start. "));
        assertEquals("short", TaskContextPage.excerpt("short", List.of("x")));
    }
}
