package dev.kaizen.knowledge;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import dev.kaizen.api.QueryWords;
import dev.kaizen.api.Rules;
import dev.kaizen.api.SearchResultJson;
import dev.kaizen.api.v1.GetTaskContextResponse;
import dev.kaizen.api.v1.TaskContextEntry;

/**
 * Which part of a ranked search list an answer holds. Without a budget, every entry whole. With
 * {@code maxTokens}, from {@code offset} on: the best entries whole while they fit, then excerpts
 * until the budget is spent, measured as the gateway writes the answer ({@link SearchResultJson},
 * {@link Rules#CHARS_PER_TOKEN} characters a token), and the offset of the next page. Contents are
 * read as the answer needs them, in batches, so a page reads and sends nothing of the entries before
 * its offset, nor of those after the budget.
 */
record TaskContextPage(Integer maxTokens, int offset, List<String> queries) {
    /** Entries whose contents are read at once, at first; each further batch is twice the last. */
    static final int FIRST_BATCH = 16;

    /** The position of the first entry whose content the answer needs. */
    int firstRead() {
        return maxTokens == null ? 0 : offset;
    }

    /** How many contents to read with the ranking, from {@link #firstRead}: all of them without a budget. */
    int firstBatch() {
        return maxTokens == null ? Rules.RESULTS_MAX : FIRST_BATCH;
    }

    /**
     * Fills {@code response} with this page of {@code ranked} (best first, without contents), with
     * the contents {@code read} already (by id), reading more with {@code contents} (ids to contents).
     */
    GetTaskContextResponse.Builder answer(List<TaskContextEntry> ranked, Map<Long, String> prefetched,
                                          Function<List<Long>, Map<Long, String>> contents,
                                          GetTaskContextResponse.Builder response) {
        response.setMatched(ranked.size());
        if (maxTokens == null) {
            ranked.forEach(entry -> response.addEntries(entry.toBuilder().setContent(prefetched.get(entry.getId()))));
            return response;
        }
        Map<Long, String> read = prefetched;
        int budget = maxTokens * Rules.CHARS_PER_TOKEN - SearchResultJson.ENVELOPE_CHARS;
        int position = Math.min(offset, ranked.size());
        boolean excerpts = false;
        int batch = FIRST_BATCH * 2;
        for (; position < ranked.size(); position++) {
            if (!read.containsKey(ranked.get(position).getId())) {
                read = contents.apply(ranked.subList(position, Math.min(ranked.size(), position + batch)).stream()
                        .map(TaskContextEntry::getId).toList());
                batch *= 2;
            }
            TaskContextEntry entry = ranked.get(position).toBuilder().setContent(read.get(ranked.get(position).getId()))
                    .build();
            int cost = SearchResultJson.chars(entry, null);
            if (excerpts || cost > budget) {
                excerpts = true;
                String excerpt = excerpt(entry.getContent(), queries);
                cost = SearchResultJson.chars(entry, excerpt);
                if (cost > budget) {
                    break;
                }
                entry = entry.toBuilder().clearContent().setExcerpt(excerpt).build();
            }
            response.addEntries(entry);
            budget -= cost;
        }
        if (position < ranked.size()) {
            response.setNextOffset(position);
        }
        return response;
    }

    /**
     * About {@value SearchResultJson#EXCERPT_CHARS} characters of {@code content} around the first
     * word of the queries it holds ({@link QueryWords#salient}: a word, or failing that its first five
     * letters, as stemming would match), cut at spaces and marked with "..." where text was left out;
     * its beginning when none is there (as for an entry found by meaning alone).
     */
    static String excerpt(String content, List<String> queries) {
        int length = SearchResultJson.EXCERPT_CHARS;
        if (content.length() <= length) {
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
        int start = at < 0 ? 0 : Math.max(0, at - length / 4);
        int end = Math.min(content.length(), start + length);
        start = Math.max(0, Math.min(start, end - length));
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
}
