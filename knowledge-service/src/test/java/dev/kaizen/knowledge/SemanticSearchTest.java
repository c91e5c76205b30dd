package dev.kaizen.knowledge;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.google.protobuf.Timestamp;
import dev.kaizen.stack.Await;
import dev.kaizen.api.v1.DeleteKnowledgeRequest;
import dev.kaizen.api.v1.GetTaskContextResponse;
import dev.kaizen.api.v1.Match;
import dev.kaizen.api.v1.ResolveKnowledgeConflictRequest;
import dev.kaizen.api.v1.TaskContextEntry;
import dev.kaizen.api.v1.TaskSize;
import dev.kaizen.api.v1.UpdateConfigRequest;
import dev.kaizen.api.v1.UpdateKnowledgeRequest;
import dev.kaizen.stack.PostgresServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Search by meaning, with the default model: entries whose words differ from the question are found
 * once embedded (in the background, after the write), say so in {@code match}, respect the scope,
 * suppression, task-size and expiry rules like every result, follow updates, moves and deletions, and
 * disappear when search.semantic_weight is 0, when search is by words exactly as without it.
 */
class SemanticSearchTest extends ServiceTest {
    /** Embedding runs after the write is acknowledged: this is how long a test waits for it. */
    private static final Duration EMBEDDED_WITHIN = Duration.ofSeconds(30);
    private static final String ROLLBACK = "Revert a broken release by redeploying the previous container image tag.";
    private static final String QUESTION = "How do we undo a bad deployment?";

    @BeforeAll
    static void startService(TestInfo info) {
        PostgresServer postgres = PostgresServer.shared();
        service = RunningService.start(postgres.createDatabase(info.getTestClass().orElseThrow().getSimpleName()),
                postgres, Map.of("semantic.model", "bge-small-en-v1.5", "semantic.threads", "1"));
    }

    @Test
    void anEntryWhoseWordsDifferIsFoundByMeaningOnceEmbedded() {
        String scope = namespace() + ":default";
        long rollback = write(scope, ROLLBACK, "release image");
        write(scope, "Name Python functions in snake_case.", "python naming");
        TaskContextEntry found = Await.value("the entry is found by meaning", EMBEDDED_WITHIN, () -> first(search(scope, QUESTION), rollback));
        assertEquals(Match.MATCH_MEANING, found.getMatch(), "no word of the question is in the entry");
        assertTrue(found.getRelevance() > 0 && found.getRelevance() <= 1, "relevance is 0-1: " + found.getRelevance());
        GetTaskContextResponse both = search(scope, "redeploy the previous image");
        assertEquals(rollback, both.getEntries(0).getId());
        assertEquals(Match.MATCH_BOTH, both.getEntries(0).getMatch());
    }

    @Test
    void meaningStaysWithinTheScopeAndItsRules() {
        String ns = namespace();
        createScope(ns + ":mine");
        createScope(ns + ":sibling");
        long mine = write(ns + ":mine", ROLLBACK, "release image");
        long sibling = write(ns + ":sibling", ROLLBACK, "release image");
        long small = write(ns + ":mine", "Roll back a failed deploy with the image before it.", "deploy", TaskSize.TASK_SIZE_XS);
        Await.value("both are found by meaning", EMBEDDED_WITHIN, () -> {
            List<Long> found = ids(search(ns + ":mine", QUESTION));
            return found.contains(mine) && found.contains(small) ? found : null;
        });
        assertFalse(ids(search(ns + ":mine", QUESTION)).contains(sibling), "a sibling scope is not an ancestor");
        assertFalse(ids(search(ns + ":mine", TaskSize.TASK_SIZE_XL, QUESTION)).contains(small),
                "an entry for smaller tasks is left out of a larger task's search");
        service.knowledge().updateKnowledge(UpdateKnowledgeRequest.newBuilder().setId(mine)
                .setValidUntil(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond() + 2)).build());
        Await.until("an entry past its valid_until is not found by meaning", EMBEDDED_WITHIN,
                () -> !ids(search(ns + ":mine", QUESTION)).contains(mine));
        service.knowledge().updateKnowledge(UpdateKnowledgeRequest.newBuilder().setId(mine).setClearValidUntil(true).build());
        Await.until("it is found again once it no longer expires", EMBEDDED_WITHIN,
                () -> ids(search(ns + ":mine", QUESTION)).contains(mine));
        long winner = write(ns + ":mine", "Undo a bad deployment by rolling back to the last good release.", "deploy");
        service.knowledge().resolveKnowledgeConflict(ResolveKnowledgeConflictRequest.newBuilder()
                .setActiveId(winner).addSuppressedIds(mine).build());
        assertFalse(ids(search(ns + ":mine", QUESTION)).contains(mine), "suppressed entries are never found");
    }

    @Test
    void updatesMovesAndDeletionsReachTheIndex() {
        String ns = namespace();
        createScope(ns + ":elsewhere");
        long entry = write(ns + ":default", ROLLBACK, "release image");
        double before = Await.value("found by meaning", EMBEDDED_WITHIN, () -> first(search(ns + ":default", QUESTION), entry)).getRelevance();
        service.knowledge().updateKnowledge(UpdateKnowledgeRequest.newBuilder().setId(entry)
                .setContent("Pin every dependency to an exact version in the lock file.").build());
        Await.value("the old meaning is gone", EMBEDDED_WITHIN, () -> relevance(search(ns + ":default", QUESTION), entry) < before / 2 ? true : null);
        assertEquals(Match.MATCH_BOTH, first(search(ns + ":default", "How do we pin library versions?"), entry).getMatch());
        service.knowledge().updateKnowledge(UpdateKnowledgeRequest.newBuilder().setId(entry)
                .setScope(ns + ":elsewhere").build());
        assertFalse(ids(search(ns + ":default", "How do we pin library versions?")).contains(entry));
        Await.value("the moved entry is found by meaning from its new scope", EMBEDDED_WITHIN, () -> {
            TaskContextEntry found = first(search(ns + ":elsewhere", "How do we pin library versions?"), entry);
            return found != null && found.getMatch() == Match.MATCH_BOTH ? found : null;
        });
        service.knowledge().deleteKnowledge(DeleteKnowledgeRequest.newBuilder().setId(entry).build());
        assertFalse(ids(search(ns + ":elsewhere", "How do we pin library versions?")).contains(entry));
        Await.value("the deleted entry leaves the index", EMBEDDED_WITHIN, () -> service.sqlNumber("SELECT count(*) FROM knowledge_embedding "
                + "WHERE knowledge_id = " + entry) == 0 ? true : null);
    }

    @Test
    void weightZeroIsSearchByWordsAloneAndTurningItOnAgainEmbedsWhatWasMissed() {
        String scope = namespace() + ":default";
        long early = write(scope, ROLLBACK, "release image");
        Await.value("found by meaning", EMBEDDED_WITHIN, () -> first(search(scope, QUESTION), early));
        set("search.semantic_weight", "0");
        try {
            assertFalse(ids(search(scope, QUESTION)).contains(early), "by words alone, nothing matches");
            long late = write(scope, "Roll back a failed deploy with the image that ran before it.", "rollback");
            assertEquals(0, service.sqlNumber("SELECT count(*) FROM embedding_outbox WHERE knowledge_id = " + late),
                    "with semantic recall off, nothing is queued");
            set("search.semantic_weight", "1");
            Await.value("the entry written while it was off is found by meaning", EMBEDDED_WITHIN,
                    () -> first(search(scope, "How do we undo a bad deployment?"), late));
        } finally {
            set("search.semantic_weight", "1");
        }
    }

    @Test
    void writesAreAcknowledgedBeforeTheyAreEmbedded() {
        String scope = namespace() + ":default";
        long entry = write(scope, "Keep migrations backward compatible for one release.", "migrations");
        // the write's own transaction queued it; the worker embeds it afterwards
        long queuedOrDone = service.sqlNumber("SELECT count(*) FROM embedding_outbox WHERE knowledge_id = " + entry)
                + service.sqlNumber("SELECT count(*) FROM knowledge_embedding WHERE knowledge_id = " + entry);
        assertTrue(queuedOrDone >= 1);
        assertEquals(List.of(entry), ids(search(scope, "backward compatible migrations")), "found by words at once");
    }

    private static GetTaskContextResponse search(String scope, String query) {
        return search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, query);
    }

    /** The relevance of the entry {@code id} in {@code response}, 0 when it is not there. */
    private static double relevance(GetTaskContextResponse response, long id) {
        return response.getEntriesList().stream().filter(found -> found.getId() == id)
                .mapToDouble(TaskContextEntry::getRelevance).findFirst().orElse(0);
    }

    /** The entry {@code id} when it is the first result, else null. */
    private static TaskContextEntry first(GetTaskContextResponse response, long id) {
        return response.getEntriesCount() > 0 && response.getEntries(0).getId() == id ? response.getEntries(0) : null;
    }

    private static void set(String key, String value) {
        service.settings().updateConfig(UpdateConfigRequest.newBuilder().setKey(key).setValue(value).build());
    }
}
