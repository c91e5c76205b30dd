package dev.kaizen.knowledge;

import java.util.List;

import dev.kaizen.api.Rules;
import dev.kaizen.api.v1.GetTaskContextRequest;
import dev.kaizen.api.v1.GetTaskContextResponse;
import dev.kaizen.api.v1.ResetConfigRequest;
import dev.kaizen.api.v1.ScopeContext;
import dev.kaizen.api.v1.TaskContextEntry;
import dev.kaizen.api.v1.TaskSize;
import dev.kaizen.api.v1.UpdateConfigRequest;
import dev.kaizen.api.v1.WriteKnowledgeRequest;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TaskContextTest extends ServiceTest {

    /** A keyword no other test uses, so searches see only this test's entries. */
    static List<String> groups(GetTaskContextResponse response) {
        return response.getScopesList().stream().map(ScopeContext::getScope).toList();
    }

    @Test
    void resultsAreGroupedByScopeNearestFirstAndGlobalDefaultLast() {
        String mark = marker();
        String ns = namespace();
        String other = namespace();
        createScope(other + ":shared");
        createScope(ns + ":team", other + ":shared");
        createScope(ns + ":project", ns + ":team");
        long inGlobal = write("global:default", "Global rule", mark, TaskSize.TASK_SIZE_UNSPECIFIED);
        long inShared = write(other + ":shared", "Shared rule", mark, TaskSize.TASK_SIZE_UNSPECIFIED);
        long inDefault = write(ns + ":default", "Namespace rule", mark, TaskSize.TASK_SIZE_UNSPECIFIED);
        long inTeam = write(ns + ":team", "Team rule", mark, TaskSize.TASK_SIZE_UNSPECIFIED);
        long inProject = write(ns + ":project", "Project rule", mark, TaskSize.TASK_SIZE_UNSPECIFIED);

        GetTaskContextResponse response = search(ns + ":project", TaskSize.TASK_SIZE_UNSPECIFIED, mark);

        // project(0); team and ns:default (1); other:shared (2); other:default (3, no results); global last
        assertEquals(List.of(ns + ":project", ns + ":default", ns + ":team", other + ":shared", "global:default"),
                groups(response));
        assertEquals(List.of(inProject, inDefault, inTeam, inShared, inGlobal), ids(response));
    }

    @Test
    void insideAScopeTheBestMatchComesFirst() {
        String mark = marker();
        String scope = namespace() + ":default";
        long weak = write(scope, "Mentions it once.", mark + " filler", TaskSize.TASK_SIZE_UNSPECIFIED);
        long strong = write(scope, "All about " + mark + ", " + mark + " and " + mark + ".", mark,
                TaskSize.TASK_SIZE_UNSPECIFIED);
        List<TaskContextEntry> entries = search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, mark).getScopes(0).getEntriesList();
        assertEquals(List.of(strong, weak), entries.stream().map(TaskContextEntry::getId).toList());
        assertTrue(entries.get(0).getRelevance() > entries.get(1).getRelevance());
    }

    @Test
    void diamondInheritanceReturnsAnEntryOnce() {
        String mark = marker();
        String ns = namespace();
        createScope(ns + ":top");
        createScope(ns + ":left", ns + ":top");
        createScope(ns + ":right", ns + ":top");
        createScope(ns + ":bottom", ns + ":left", ns + ":right");
        long top = write(ns + ":top", "Top rule", mark, TaskSize.TASK_SIZE_UNSPECIFIED);
        GetTaskContextResponse response = search(ns + ":bottom", TaskSize.TASK_SIZE_UNSPECIFIED, mark, mark + " rule");
        assertEquals(List.of(top), ids(response));
        assertEquals(List.of(ns + ":top"), groups(response));
    }

    @Test
    void onlyTheScopeAndItsAncestorsAreSearched() {
        String mark = marker();
        String ns = namespace();
        createScope(ns + ":mine");
        createScope(ns + ":sibling");
        long mine = write(ns + ":mine", "Mine", mark, TaskSize.TASK_SIZE_UNSPECIFIED);
        write(ns + ":sibling", "Not mine", mark, TaskSize.TASK_SIZE_UNSPECIFIED);
        write(namespace() + ":default", "Elsewhere", mark, TaskSize.TASK_SIZE_UNSPECIFIED);
        assertEquals(List.of(mine), ids(search(ns + ":mine", TaskSize.TASK_SIZE_UNSPECIFIED, mark)));
        assertEquals(List.of(), ids(search(ns + ":default", TaskSize.TASK_SIZE_UNSPECIFIED, mark)));
    }

    @Test
    void aQueryMatchesEntriesWithAllItsWordsAndResultsAreTheUnionOverQueries() {
        String mark = marker();
        String scope = namespace() + ":default";
        long both = write(scope, "Caching and retries", mark + " cache retry", TaskSize.TASK_SIZE_UNSPECIFIED);
        long cache = write(scope, "Caching only", mark + " cache", TaskSize.TASK_SIZE_UNSPECIFIED);
        long deploy = write(scope, "Deploying", mark + " deploy", TaskSize.TASK_SIZE_UNSPECIFIED);
        assertEquals(List.of(both), ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, mark + " cache retry")));
        List<Long> union = ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, mark + " retry", mark + " deploy"));
        assertEquals(2, union.size());
        assertTrue(union.containsAll(List.of(both, deploy)) && !union.contains(cache), () -> "union: " + union);
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
        long best = write(scope, mark + " " + mark + " " + mark, mark, TaskSize.TASK_SIZE_UNSPECIFIED);
        long good = write(scope, mark + " " + mark, mark, TaskSize.TASK_SIZE_UNSPECIFIED);
        write(scope, "Plain", mark, TaskSize.TASK_SIZE_UNSPECIFIED);
        try {
            service.config().updateConfig(UpdateConfigRequest.newBuilder().setKey("search.max_results").setValue("2").build());
            assertEquals(List.of(best, good), ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, mark)));
        } finally {
            service.config().resetConfig(ResetConfigRequest.newBuilder().setKey("search.max_results").build());
        }
        assertEquals(3, ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, mark)).size());
    }

    @Test
    void entriesBelowTheRelevanceThresholdAreDropped() {
        String mark = marker();
        String scope = namespace() + ":default";
        long inContent = write(scope, "Only the content mentions " + mark + ".", "unrelated", TaskSize.TASK_SIZE_UNSPECIFIED);
        assertEquals(List.of(), ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, mark)),
                "a content-only match ranks below the default threshold 0.4");
        try {
            service.config().updateConfig(UpdateConfigRequest.newBuilder().setKey("search.relevance_threshold")
                    .setValue("0").build());
            assertEquals(List.of(inContent), ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, mark)));
        } finally {
            service.config().resetConfig(ResetConfigRequest.newBuilder().setKey("search.relevance_threshold").build());
        }
    }

    @Test
    void keywordsArePlainWordsNeverOperators() {
        String mark = "-" + marker();
        String scope = namespace() + ":default";
        long id = write(scope, "Named by a keyword that starts with a dash.", mark, TaskSize.TASK_SIZE_UNSPECIFIED);
        assertEquals(List.of(id), ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, mark)),
                "'-word' searches for the word, it does not exclude it");
    }

    @Test
    void noResultsIsAnEmptyResponse() {
        assertEquals(0, search(namespace() + ":default", TaskSize.TASK_SIZE_UNSPECIFIED, marker())
                .getScopesCount());
    }

    @Test
    void queriesAndScopeAreValidated() {
        String scope = namespace() + ":default";
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> search(scope, TaskSize.TASK_SIZE_UNSPECIFIED));
        String[] sixteen = new String[Rules.QUERIES_MAX + 1];
        java.util.Arrays.fill(sixteen, "word");
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, sixteen));
        for (String bad : List.of("", "x", "Upper", "a-b c!d", "one two three four five six seven eight nine ten eleven",
                "drop'table")) {
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
