package dev.kaizen.gateway;

import java.util.List;
import java.util.Map;

import dev.kaizen.api.SearchResultJson;
import dev.kaizen.api.v1.GetTaskContextResponse;
import dev.kaizen.api.v1.Match;
import dev.kaizen.api.v1.TaskContextEntry;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * get_task_context writes each result exactly as knowledge-service measured it for the budget
 * ({@link SearchResultJson}): what the service fitted is what the agent gets.
 */
class SearchToolsTest {
    private static final McpJsonMapper JSON = McpJsonDefaults.getMapper();

    @Test
    void eachResultTakesTheCharactersTheServiceCountedForIt() throws Exception {
        String tricky = "Quotes \" and \\ backslashes, a tab\t, a line\nbreak, \u0001 control, café, \uD83D\uDE80, a/slash.";
        List<TaskContextEntry> entries = List.of(
                TaskContextEntry.newBuilder().setId(42).setScope("acme:web").setRelevance(0.87349)
                        .setContent(tricky).setMatch(Match.MATCH_WORDS).build(),
                TaskContextEntry.newBuilder().setId(1234567890123L).setScope("global:default").setRelevance(0.05)
                        .setExcerpt("..." + tricky + "...").setMatch(Match.MATCH_MEANING).build(),
                TaskContextEntry.newBuilder().setId(7).setScope("a-b:c-d").setRelevance(1.0).setContent("x").build());
        KaizenTool.Answer answer = SearchTools.answer(GetTaskContextResponse.newBuilder().addAllEntries(entries)
                .setMatched(9).setNextOffset(3).build());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> results = (List<Map<String, Object>>) answer.body().get("results");
        for (int i = 0; i < entries.size(); i++) {
            TaskContextEntry entry = entries.get(i);
            boolean excerpt = !entry.getExcerpt().isEmpty();
            String written = JSON.writeValueAsString(results.get(i));
            assertEquals(SearchResultJson.chars(entry, excerpt ? entry.getExcerpt() : null),
                    written.length() + 1 + (excerpt ? SearchResultJson.LINK_CHARS : 0), written);
        }
        assertEquals(1, answer.links().size(), "a link beside each excerpt");
        assertEquals(SearchResultJson.ENTRY_URI + "1234567890123", answer.links().getFirst().uri());
        assertEquals(9, answer.body().get("matched"));
        assertEquals(6, answer.body().get("more"));
        assertEquals(3, answer.body().get("next_offset"));
        assertFalse(results.get(2).containsKey("match"), "no match reported, none written");
        assertFalse(JSON.writeValueAsString(answer.body()).length() > SearchResultJson.ENVELOPE_CHARS
                + entries.stream().mapToInt(e -> SearchResultJson.chars(e, e.getExcerpt().isEmpty() ? null : e.getExcerpt()))
                .sum(), "the envelope fits its allowance");
    }
}
