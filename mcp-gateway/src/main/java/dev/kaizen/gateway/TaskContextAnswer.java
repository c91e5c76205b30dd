package dev.kaizen.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.kaizen.api.QueryWords;
import dev.kaizen.api.Rules;
import dev.kaizen.api.v1.TaskContextEntry;
import io.modelcontextprotocol.json.McpJsonMapper;

/**
 * The answer of get_task_context, fitted to the caller's context budget: the best entries whole
 * while they fit, then short excerpts around a matched word with a link to read the entry whole,
 * until the budget is spent; the answer says how many more matched and the offset that reads on.
 * The budget counts the answer's JSON ({@link Rules#CHARS_PER_TOKEN} characters a token) with a
 * resource link per excerpt, so no answer exceeds it.
 */
final class TaskContextAnswer {
    /** URI of an entry as a resource; {@link KaizenResources} reads it. */
    static final String ENTRY_URI = "kaizen://knowledge/";
    static final int EXCERPT_CHARS = 240;
    /** What a resource link beside the JSON costs, at most: its URI, name and description. */
    private static final int LINK_CHARS = 120;
    /** The JSON around the results: {"results":[],"matched":..,"more":..,"next_offset":..}. */
    private static final int ENVELOPE_CHARS = 80;

    private final Map<String, Object> body = new LinkedHashMap<>();
    private final List<String> links = new ArrayList<>();

    private TaskContextAnswer() {
    }

    /**
     * Fits {@code ranked} (best first), from position {@code offset} on, into {@code maxTokens}.
     * {@code queries} find the excerpt of an entry that does not fit whole.
     */
    static TaskContextAnswer fit(List<TaskContextEntry> ranked, List<String> queries, int maxTokens, int offset,
                                 McpJsonMapper json) {
        TaskContextAnswer answer = new TaskContextAnswer();
        List<Map<String, Object>> results = new ArrayList<>();
        int budget = maxTokens * Rules.CHARS_PER_TOKEN - ENVELOPE_CHARS;
        int position = Math.min(offset, ranked.size());
        boolean excerpts = false;
        for (; position < ranked.size(); position++) {
            TaskContextEntry entry = ranked.get(position);
            Map<String, Object> whole = result(entry, "content", entry.getContent());
            int cost = length(json, whole) + 1;
            if (excerpts || cost > budget) {
                excerpts = true;
                whole = result(entry, "excerpt", excerpt(entry.getContent(), queries));
                whole.put("uri", ENTRY_URI + entry.getId());
                cost = length(json, whole) + 1 + LINK_CHARS;
                if (cost > budget) {
                    break;
                }
                answer.links.add(String.valueOf(entry.getId()));
            }
            results.add(whole);
            budget -= cost;
        }
        answer.body.put("results", results);
        answer.body.put("matched", ranked.size());
        if (position < ranked.size()) {
            answer.body.put("more", ranked.size() - position);
            answer.body.put("next_offset", position);
        }
        return answer;
    }

    /** Names the inherited scopes the search left out because the caller may not read them. */
    TaskContextAnswer omitting(List<String> scopes) {
        if (!scopes.isEmpty()) {
            body.put("omitted_scopes", List.copyOf(scopes));
        }
        return this;
    }

    /** The structured answer. */
    Map<String, Object> body() {
        return body;
    }

    /** Ids of the entries that came as excerpts: each gets a resource link. */
    List<String> excerpted() {
        return links;
    }

    private static Map<String, Object> result(TaskContextEntry entry, String field, String text) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("id", String.valueOf(entry.getId()));
        result.put("scope", entry.getScope());
        // three decimals are all the precision relevance means
        result.put("relevance", Math.round(entry.getRelevance() * 1000) / 1000.0);
        result.put(field, text);
        switch (entry.getMatch()) {
            case MATCH_WORDS -> result.put("match", "words");
            case MATCH_MEANING -> result.put("match", "meaning");
            case MATCH_BOTH -> result.put("match", "both");
            default -> {
                // not reported
            }
        }
        return result;
    }

    /**
     * About {@value #EXCERPT_CHARS} characters of {@code content} around the first word of the
     * queries it holds ({@link QueryWords#salient}: a word, or failing that its first five letters, as
     * stemming would match),
     * cut at spaces and marked with "..." where text was left out; its beginning when none is there.
     */
    static String excerpt(String content, List<String> queries) {
        if (content.length() <= EXCERPT_CHARS) {
            return content;
        }
        String lower = content.toLowerCase(Locale.ROOT);
        int at = -1;
        for (String query : queries) {
            for (String word : QueryWords.salient(query)) {
                for (String form : word.length() > 5 ? List.of(word, word.substring(0, 5)) : List.of(word)) {
                    int found = lower.indexOf(form);
                    if (found >= 0 && (at < 0 || found < at)) {
                        at = found;
                    }
                }
            }
        }
        int start = at < 0 ? 0 : Math.max(0, at - EXCERPT_CHARS / 4);
        int end = Math.min(content.length(), start + EXCERPT_CHARS);
        start = Math.max(0, Math.min(start, end - EXCERPT_CHARS));
        if (start > 0) {
            int space = content.indexOf(' ', start);
            start = space < 0 || space >= at && at >= 0 ? start : space + 1;
        }
        if (end < content.length()) {
            int space = content.lastIndexOf(' ', end);
            end = space > start ? space : end;
        }
        return (start > 0 ? "..." : "") + content.substring(start, end) + (end < content.length() ? "..." : "");
    }

    private static int length(McpJsonMapper json, Object value) {
        try {
            return json.writeValueAsString(value).length();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
