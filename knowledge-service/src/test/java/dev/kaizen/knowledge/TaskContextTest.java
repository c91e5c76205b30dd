package dev.kaizen.knowledge;

import java.util.Collections;
import java.util.List;

import dev.kaizen.api.Rules;
import dev.kaizen.api.v1.GetTaskContextResponse;
import dev.kaizen.api.v1.TaskContextEntry;
import dev.kaizen.api.v1.TaskSize;
import dev.kaizen.api.v1.UpdateConfigRequest;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TaskContextTest extends ServiceTest {

    private static void set(String key, String value) {
        service.settings().updateConfig(UpdateConfigRequest.newBuilder().setKey(key).setValue(value).build());
    }

    private static void reset(String key) {
        service.settings().resetConfig(dev.kaizen.api.v1.ResetConfigRequest.newBuilder().setKey(key).build());
    }

    @Test
    void resultsAreOneListBestFirstEachWithItsScopeAndDistance() {
        String mark = marker();
        String ns = namespace();
        String other = namespace();
        createScope(other + ":shared");
        createScope(ns + ":team", other + ":shared");
        createScope(ns + ":project", ns + ":team");
        long inGlobal = write("global:default", "Global " + mark + " rule.", mark);
        long inShared = write(other + ":shared", "Shared rule.", mark + " shared");
        long inTeam = write(ns + ":team", "Team rule about " + mark + ".", mark + " team");
        long inProject = write(ns + ":project", "Project rule.", mark);

        List<TaskContextEntry> entries = search(ns + ":project", TaskSize.TASK_SIZE_UNSPECIFIED, mark).getEntriesList();

        assertEquals(4, entries.size());
        for (int i = 1; i < entries.size(); i++) {
            assertTrue(entries.get(i - 1).getRelevance() >= entries.get(i).getRelevance(), "best first: " + entries);
        }
        TaskContextEntry project = entries.stream().filter(entry -> entry.getId() == inProject).findFirst().orElseThrow();
        assertEquals(ns + ":project", project.getScope());
        assertEquals(0, project.getDistance());
        TaskContextEntry team = entries.stream().filter(entry -> entry.getId() == inTeam).findFirst().orElseThrow();
        assertEquals(1, team.getDistance());
        TaskContextEntry shared = entries.stream().filter(entry -> entry.getId() == inShared).findFirst().orElseThrow();
        assertEquals(other + ":shared", shared.getScope());
        assertEquals(2, shared.getDistance());
        assertTrue(ids(search(ns + ":project", TaskSize.TASK_SIZE_UNSPECIFIED, mark)).contains(inGlobal));
    }

    @Test
    void withABudgetTheServiceAnswersOnePageAndTheNextReadsOn() {
        String mark = marker();
        String scope = namespace() + ":default";
        for (int i = 0; i < 30; i++) {
            write(scope, "Rule " + i + " about " + mark + ". " + "More words that make the entry long. ".repeat(40), mark);
        }
        dev.kaizen.api.v1.GetTaskContextRequest request = dev.kaizen.api.v1.GetTaskContextRequest.newBuilder()
                .setScope(scope).addQueries(mark).build();
        List<Long> all = ids(service.knowledge().getTaskContext(request));
        GetTaskContextResponse first = service.knowledge().getTaskContext(request.toBuilder().setMaxTokens(1_000).build());
        assertEquals(30, first.getMatched());
        assertTrue(first.hasNextOffset() && first.getNextOffset() == first.getEntriesCount(), first::toString);
        assertTrue(!first.getEntries(0).getContent().isEmpty() && first.getEntries(0).getExcerpt().isEmpty(), "the best whole");
        TaskContextEntry last = first.getEntries(first.getEntriesCount() - 1);
        assertTrue(last.getContent().isEmpty() && last.getExcerpt().contains(mark), "the rest as excerpts: " + last);
        GetTaskContextResponse second = service.knowledge().getTaskContext(request.toBuilder().setMaxTokens(1_000)
                .setOffset(first.getNextOffset()).build());
        assertEquals(all.get(first.getNextOffset()), second.getEntries(0).getId(), "the next page starts where the first ended");
        assertEquals(Status.Code.INVALID_ARGUMENT, Status.fromThrowable(org.junit.jupiter.api.Assertions.assertThrows(
                io.grpc.StatusRuntimeException.class, () -> service.knowledge().getTaskContext(
                        request.toBuilder().setMaxTokens(10).build()))).getCode());
        assertEquals(Status.Code.INVALID_ARGUMENT, Status.fromThrowable(org.junit.jupiter.api.Assertions.assertThrows(
                io.grpc.StatusRuntimeException.class, () -> service.knowledge().getTaskContext(
                        request.toBuilder().setOffset(Rules.RESULTS_MAX + 1).build()))).getCode());
    }

    @Test
    void theNearerScopeWinsATie() {
        String mark = marker();
        String ns = namespace();
        createScope(ns + ":team");
        long far = write("global:default", "Same words.", mark);
        long middle = write(ns + ":default", "Same words.", mark);
        long near = write(ns + ":team", "Same words.", mark);
        GetTaskContextResponse response = search(ns + ":team", TaskSize.TASK_SIZE_UNSPECIFIED, mark);
        assertEquals(List.of(near, middle, far), ids(response));
        assertEquals(response.getEntries(0).getRelevance(), response.getEntries(2).getRelevance(), 1e-9);
    }

    @Test
    void diamondInheritanceReturnsAnEntryOnce() {
        String mark = marker();
        String ns = namespace();
        createScope(ns + ":top");
        createScope(ns + ":left", ns + ":top");
        createScope(ns + ":right", ns + ":top");
        createScope(ns + ":bottom", ns + ":left", ns + ":right");
        long top = write(ns + ":top", "Top rule", mark);
        GetTaskContextResponse response = search(ns + ":bottom", TaskSize.TASK_SIZE_UNSPECIFIED, mark, mark + " rule");
        assertEquals(List.of(top), ids(response));
        assertEquals(2, response.getEntries(0).getDistance());
    }

    @Test
    void onlyTheScopeAndItsAncestorsAreSearched() {
        String mark = marker();
        String ns = namespace();
        createScope(ns + ":mine");
        createScope(ns + ":sibling");
        long mine = write(ns + ":mine", "Mine", mark);
        write(ns + ":sibling", "Not mine", mark);
        write(namespace() + ":default", "Elsewhere", mark);
        assertEquals(List.of(mine), ids(search(ns + ":mine", TaskSize.TASK_SIZE_UNSPECIFIED, mark)));
        assertEquals(List.of(), ids(search(ns + ":default", TaskSize.TASK_SIZE_UNSPECIFIED, mark)));
    }

    @Test
    void entriesHoldingEveryWordOfAQueryRankAboveEntriesHoldingSome() {
        String mark = marker();
        String scope = namespace() + ":default";
        long some = write(scope, "Caching only.", mark + " cache");
        long all = write(scope, "Caching and retries.", mark + " cache retry");
        long other = write(scope, "Deploying.", "deploy");
        GetTaskContextResponse response = search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, mark + " cache retry");
        assertEquals(List.of(all, some), ids(response), "partial matches are found when full ones are few");
        assertTrue(response.getEntries(0).getRelevance() >= 0.5, "a full match scores 0.5 or more");
        assertTrue(response.getEntries(1).getRelevance() < 0.5, "a partial match scores below 0.5");
        assertTrue(!ids(response).contains(other));
    }

    @Test
    void anEntryCountsWithItsBestQuery() {
        String mark = marker();
        String scope = namespace() + ":default";
        long both = write(scope, "Caching and retries.", mark + " cache retry");
        long deploy = write(scope, "Deploying.", mark + " deploy");
        List<Long> union = ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, mark + " retry", mark + " deploy"));
        assertEquals(2, union.size());
        assertTrue(union.containsAll(List.of(both, deploy)), () -> "union: " + union);
    }

    @Test
    void rareWordsCountMoreThanCommonOnes() {
        String mark = marker();
        String common = marker();
        String rare = marker();
        String scope = namespace() + ":default";
        for (int i = 0; i < 20; i++) {
            write(scope, "Filler " + i + " about " + common + ".", mark + " " + common);
        }
        long withRare = write(scope, "Only the rare word.", mark + " " + rare);
        long withCommon = write(scope, "Only the common word, once more.", common);
        refreshSearchStatistics();
        List<Long> found = ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, rare + " " + common));
        assertTrue(found.indexOf(withRare) >= 0 && found.indexOf(withRare) < found.indexOf(withCommon),
                () -> "the entry with the rare word ranks above one with the common word: " + found);
    }

    @Test
    void contextWeighsMoreThanTheFirstSentenceAndTheFirstSentenceMoreThanTheRest() {
        String mark = marker();
        String scope = namespace() + ":default";
        long inRest = write(scope, "A first sentence without it. Then the rest mentions " + mark + ".", "rest");
        long inLead = write(scope, "The first sentence mentions " + mark + ". Then the rest.", "lead");
        long inContext = write(scope, "Nothing here. Nothing there.", mark);
        assertEquals(List.of(inContext, inLead, inRest), ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, mark)));
    }

    @Test
    void stopWordsNeverCauseAnErrorAndAQueryOfThemAloneFindsNothing() {
        String mark = marker();
        String scope = namespace() + ":default";
        long id = write(scope, "How to find the entry.", mark);
        assertEquals(List.of(), ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, "the", "how to")));
        assertEquals(List.of(id), ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, "the", "how to " + mark)));
    }

    @Test
    void keywordsArePlainWordsNeverOperators() {
        String mark = "-" + marker();
        String scope = namespace() + ":default";
        long id = write(scope, "Named by a keyword that starts with a dash.", mark);
        assertEquals(List.of(id), ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, mark)),
                "'-word' searches for the word, it does not exclude it");
    }

    @Test
    void wordsJoinedByDotsOrSlashesAreFoundOneByOne() {
        String mark = marker();
        String scope = namespace() + ":default";
        long id = write(scope, "Use SSL/TLS with " + mark + ".node.js everywhere.", "tls");
        assertEquals(List.of(id), ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, mark + " node")));
        assertEquals(List.of(id), ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, mark + " ssl")));
    }

    @Test
    void taskSizeKeepsEntriesWithoutSizeOrAtLeastAsLarge() {
        String mark = marker();
        String scope = namespace() + ":default";
        long none = write(scope, "Any size", mark, TaskSize.TASK_SIZE_UNSPECIFIED);
        long small = write(scope, "Small", mark, TaskSize.TASK_SIZE_S);
        long medium = write(scope, "Medium", mark, TaskSize.TASK_SIZE_M);
        long large = write(scope, "Large", mark, TaskSize.TASK_SIZE_XL);
        assertEquals(List.of(none, small, medium, large), sorted(ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, mark))));
        assertEquals(List.of(none, medium, large), sorted(ids(search(scope, TaskSize.TASK_SIZE_M, mark))));
        assertEquals(List.of(none, large), sorted(ids(search(scope, TaskSize.TASK_SIZE_L, mark))));
        assertEquals(List.of(none, small, medium, large), sorted(ids(search(scope, TaskSize.TASK_SIZE_XS, mark))));
    }

    @Test
    void maxResultsCapsTheResultsKeepingTheBest() {
        String mark = marker();
        String scope = namespace() + ":default";
        long best = write(scope, mark + " first.", mark);
        long good = write(scope, "Also " + mark + ".", mark + " more");
        write(scope, "Plain text here.", mark + " more words here");
        try {
            set("search.max_results", "2");
            assertEquals(List.of(best, good), ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, mark)));
        } finally {
            reset("search.max_results");
        }
        assertEquals(3, ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, mark)).size());
    }

    @Test
    void entriesBelowTheRelevanceThresholdAreDropped() {
        String mark = marker();
        String scope = namespace() + ":default";
        long all = write(scope, "Both words.", mark + " pool");
        long some = write(scope, "One word.", mark);
        assertEquals(List.of(all, some), ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, mark + " pool")));
        try {
            set("search.relevance_threshold", "0.5");
            assertEquals(List.of(all), ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, mark + " pool")),
                    "0.5 keeps only entries holding every word of a query");
        } finally {
            reset("search.relevance_threshold");
        }
    }

    @Test
    void noResultsIsAnEmptyList() {
        assertEquals(0, search(namespace() + ":default", TaskSize.TASK_SIZE_UNSPECIFIED, marker()).getEntriesCount());
    }

    @Test
    void fifteenQueriesOfTenWordsAreOneSearch() {
        String mark = marker();
        String scope = namespace() + ":default";
        long id = write(scope, "Found by the last query.", mark);
        String[] queries = Collections.nCopies(Rules.QUERIES_MAX, "one two three four five six seven eight nine ten")
                .toArray(String[]::new);
        queries[Rules.QUERIES_MAX - 1] = mark;
        assertEquals(List.of(id), ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, queries)));
    }

    @Test
    void queriesAreTextInTheCallersOwnWords() {
        String mark = marker();
        String scope = namespace() + ":default";
        long versioning = write(scope, "Version the public " + mark + " API in the URL path, never in a header.",
                "api versioning " + mark);
        write(scope, "Deploy on Fridays only with a rollback plan.", "deploy " + mark);
        List<Long> found = ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED,
                "How do we version the public " + mark.toUpperCase(java.util.Locale.ROOT) + " API?"));
        assertEquals(versioning, found.getFirst(), "capitals, punctuation and question words: " + found);
        long node = write(scope, "Pin the Node.js release in .nvmrc so CI and laptops agree.", "javascript runtime");
        assertTrue(ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, "Which Node.js release?")).contains(node),
                "words joined by a dot are searched as the index splits them");
    }

    @Test
    void queryTextIsNeverAnOperator() {
        String mark = marker();
        String scope = namespace() + ":default";
        long entry = write(scope, "Operators are words here.", mark);
        for (String query : List.of("'" + mark + "' & !(x) | y:* <-> z", "!" + mark, mark + ":*", "(" + mark + " <2> a)",
                "\\" + mark + "'; DROP TABLE knowledge; --")) {
            assertEquals(List.of(entry), ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, query)), query);
        }
    }

    @Test
    void questionFillerDoesNotDrownTheWordsThatMatter() {
        String mark = marker();
        String scope = namespace() + ":default";
        write(scope, "Please tell someone something nice.", mark + " manners");
        long rollback = write(scope, "Roll back a failed deploy with the previous image.", mark + " deploy rollback");
        List<Long> found = ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED,
                "Please, could you tell me something about a deploy rollback " + mark + "?"));
        assertEquals(rollback, found.getFirst(), "filler words are left out: " + found);
        long polite = write(scope, "Say please.", "please " + mark);
        assertTrue(ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, "please")).contains(polite),
                "a query of filler alone is still searched");
        assertEquals(List.of(), ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, "How do we?")),
                "a query of stop words alone finds nothing, without an error");
    }

    @Test
    void aLongQuestionIsSearchedByItsRarestWords() {
        String mark = marker();
        String scope = namespace() + ":default";
        long entry = write(scope, "The rare word is here.", mark);
        String question = ("we keep asking about the usual things again and again, " .repeat(8) + mark + "?");
        assertTrue(question.length() <= Rules.QUERY_MAX);
        assertEquals(List.of(entry), ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, question)));
    }

    @Test
    void queriesAndScopeAreValidated() {
        String scope = namespace() + ":default";
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> search(scope, TaskSize.TASK_SIZE_UNSPECIFIED));
        String[] sixteen = new String[Rules.QUERIES_MAX + 1];
        java.util.Arrays.fill(sixteen, "word");
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, sixteen));
        for (String bad : List.of("", "   ", "?!", "--", "x".repeat(Rules.QUERY_MAX + 1), "nul\u0000")) {
            String message = assertRefused(Status.Code.INVALID_ARGUMENT,
                    () -> search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, "fine", bad));
            assertTrue(message.startsWith("queries[1]"), message);
        }
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> search("nocolon", TaskSize.TASK_SIZE_UNSPECIFIED, "word"));
        assertRefused(Status.Code.NOT_FOUND, () -> search(unique("ghost") + ":default", TaskSize.TASK_SIZE_UNSPECIFIED,
                "word"));
    }

    private static List<Long> sorted(List<Long> ids) {
        return ids.stream().sorted().toList();
    }
}
