package dev.kaizen.knowledge;

import java.util.List;

import dev.kaizen.api.ErrorDetails;
import dev.kaizen.api.v1.CreateNamespaceRequest;
import dev.kaizen.api.v1.DeleteKnowledgeRequest;
import dev.kaizen.api.v1.DeleteNamespaceRequest;
import dev.kaizen.api.v1.DeleteScopeRequest;
import dev.kaizen.api.v1.GetKnowledgeHistoryRequest;
import dev.kaizen.api.v1.GetKnowledgeHistoryResponse;
import dev.kaizen.api.v1.ImportKnowledgeRequest;
import dev.kaizen.api.v1.ImportedHistory;
import dev.kaizen.api.v1.ImportKnowledgeResponse;
import dev.kaizen.api.v1.KnowledgeEntry;
import dev.kaizen.api.v1.KnowledgeVersion;
import dev.kaizen.api.v1.ResolveKnowledgeConflictRequest;
import dev.kaizen.api.v1.RestoreKnowledgeRequest;
import dev.kaizen.api.v1.RestoreKnowledgeResponse;
import dev.kaizen.api.v1.TaskSize;
import dev.kaizen.api.v1.UpdateKnowledgeRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KnowledgeHistoryTest extends ServiceTest {

    @Test
    void everyChangeIsAVersionAndAnEarlierOneCanBeMadeCurrentAgain() {
        String ns = namespace();
        long id = write(ns + ":default", "Version one of the rule.", "rule first", TaskSize.TASK_SIZE_S);
        for (int i = 2; i <= 4; i++) {
            update(id, "Version " + i + " of the rule.");
        }
        KnowledgeEntry before = get(id);

        RestoreKnowledgeResponse restored = service.knowledge().restoreKnowledge(RestoreKnowledgeRequest.newBuilder()
                .setId(id).setVersion(1).build());
        assertEquals(5, restored.getVersion());
        assertEquals(1, restored.getRestoredVersion());
        assertEquals(ns + ":default", restored.getScope());
        KnowledgeEntry entry = get(id);
        assertEquals("Version one of the rule.", entry.getContent(), "three updates back");
        assertEquals("rule first", entry.getContext());
        assertEquals(TaskSize.TASK_SIZE_S, entry.getTaskSize());
        assertEquals(before.getCreateTime(), entry.getCreateTime(), "still the entry written first");

        List<KnowledgeVersion> versions = history(id).getVersionsList();
        assertEquals(List.of(5, 4, 3, 2, 1), versions.stream().map(KnowledgeVersion::getVersion).toList(), "newest first");
        assertEquals(List.of("restore", "update", "update", "update", "write"),
                versions.stream().map(KnowledgeVersion::getAction).toList());
        assertEquals("Version 4 of the rule.", versions.get(1).getContent(), "history is never rewritten");
        assertEquals("Version one of the rule.", versions.get(0).getContent());
        assertTrue(versions.stream().allMatch(version -> version.getId() == id && version.getTime().getSeconds() > 0));
        assertEquals(List.of(id), found(ns + ":default", "first"), "found by its restored words");
    }

    @Test
    void anEntryDeletedWithItsScopeComesBackUnderItsIdOnceTheScopeExistsAgain() {
        String ns = namespace();
        createScope(ns + ":team");
        long id = write(ns + ":team", "Quarantine flaky tests within a day.", "flaky quarantine");
        update(id, "Quarantine flaky tests within one working day.");
        long kept = write(ns + ":default", "Another entry stays.", "other");
        KnowledgeEntry before = get(id);

        assertEquals(1, service.scopes().deleteScope(DeleteScopeRequest.newBuilder().setScope(ns + ":team").build())
                .getKnowledgeDeleted());
        GetKnowledgeHistoryResponse history = history(id);
        assertTrue(history.getDeleted());
        assertEquals(List.of("delete_scope", "update", "write"),
                history.getVersionsList().stream().map(KnowledgeVersion::getAction).toList());
        assertEquals("Quarantine flaky tests within one working day.", history.getVersions(0).getContent(),
                "the entry as it was when deleted");
        assertEquals(ns + ":team", history.getVersions(0).getScope());
        assertFalse(history(kept).getDeleted());

        StatusRuntimeException gone = assertThrows(StatusRuntimeException.class, () -> restore(id));
        assertEquals(Status.Code.FAILED_PRECONDITION, gone.getStatus().getCode());
        assertEquals(ErrorDetails.Reason.SCOPE_GONE, ErrorDetails.reason(gone).orElseThrow());
        assertTrue(gone.getStatus().getDescription().contains("'" + ns + ":team' no longer exists"),
                gone.getStatus().getDescription());

        createScope(ns + ":team");
        RestoreKnowledgeResponse restored = restore(id);
        assertEquals(4, restored.getVersion());
        assertEquals(3, restored.getRestoredVersion());
        KnowledgeEntry entry = get(id);
        assertEquals("Quarantine flaky tests within one working day.", entry.getContent());
        assertEquals(before.getCreateTime(), entry.getCreateTime());
        assertEquals(before.getCreatedBy(), entry.getCreatedBy());
        assertEquals(List.of(id), found(ns + ":team", "quarantine"));
        assertFalse(history(id).getDeleted());
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class, () -> restore(id))
                .getStatus().getCode(), "an entry that exists needs the version to bring back");
    }

    @Test
    void aDeletedNamespaceComesBackEntryByEntryWithItsHistory() {
        String ns = namespace();
        List<String> scopes = List.of(ns + ":default", ns + ":alpha", ns + ":beta");
        createScope(scopes.get(1));
        createScope(scopes.get(2));
        List<Long> ids = new java.util.ArrayList<>();
        for (String scope : scopes) {
            long id = write(scope, "Lesson kept in " + scope + ".", "lesson kept");
            update(id, "Lesson kept in " + scope + ", revised.");
            ids.add(id);
        }
        service.namespaces().deleteNamespace(DeleteNamespaceRequest.newBuilder().setName(ns).build());
        for (long id : ids) {
            assertEquals("delete_namespace", history(id).getVersions(0).getAction());
            assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class, () -> get(id)).getStatus().getCode());
        }

        service.namespaces().createNamespace(CreateNamespaceRequest.newBuilder().setName(ns).setDescription("again").build());
        createScope(scopes.get(1));
        createScope(scopes.get(2));
        for (int i = 0; i < ids.size(); i++) {
            assertEquals(scopes.get(i), restore(ids.get(i)).getScope());
            assertEquals("Lesson kept in " + scopes.get(i) + ", revised.", get(ids.get(i)).getContent());
            assertEquals(List.of("restore", "delete_namespace", "update", "write"),
                    history(ids.get(i)).getVersionsList().stream().map(KnowledgeVersion::getAction).toList());
        }
        for (int i = 0; i < ids.size(); i++) {
            assertTrue(found(scopes.get(i), "lesson").contains(ids.get(i)), "searches find " + scopes.get(i) + "'s again");
        }
    }

    @Test
    void aRestoreCanGoToAnotherScopeWhereTheCallerChooses() {
        String ns = namespace();
        long id = write(ns + ":default", "Pin dependency versions.", "pin versions");
        service.knowledge().deleteKnowledge(DeleteKnowledgeRequest.newBuilder().setId(id).build());
        createScope(ns + ":elsewhere");
        RestoreKnowledgeResponse restored = service.knowledge().restoreKnowledge(RestoreKnowledgeRequest.newBuilder()
                .setId(id).setScope(ns + ":elsewhere").build());
        assertEquals(ns + ":elsewhere", restored.getScope());
        assertEquals(ns + ":elsewhere", get(id).getScope());
        assertEquals(List.of("restore", "delete", "write"),
                history(id).getVersionsList().stream().map(KnowledgeVersion::getAction).toList());
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class, () ->
                service.knowledge().restoreKnowledge(RestoreKnowledgeRequest.newBuilder().setId(id).setVersion(1)
                        .setScope(ns + ":missing").build())).getStatus().getCode());
    }

    @Test
    void conflictResolutionsAndImportsAreVersionsToo() {
        String ns = namespace();
        long a = write(ns + ":default", "Use tabs.", "indent tabs");
        long b = write(ns + ":default", "Use spaces.", "indent spaces");
        service.knowledge().resolveKnowledgeConflict(ResolveKnowledgeConflictRequest.newBuilder().setActiveId(a)
                .addSuppressedIds(b).build());
        KnowledgeVersion suppressed = history(b).getVersions(0);
        assertEquals("resolve_conflict", suppressed.getAction());
        assertTrue(suppressed.getSuppressed());
        long imported = service.knowledge().importKnowledge(ImportKnowledgeRequest.newBuilder().addEntries(
                KnowledgeEntry.newBuilder().setScope(ns + ":default").setContent("Imported rule.").setContext("imported"))
                .build()).getIds(0);
        assertEquals("import", history(imported).getVersions(0).getAction());
    }

    @Test
    void historyIsPagedNewestFirst() {
        String ns = namespace();
        long id = write(ns + ":default", "Edit 1.", "edits");
        for (int i = 2; i <= 7; i++) {
            update(id, "Edit " + i + ".");
        }
        GetKnowledgeHistoryResponse first = service.knowledge().getKnowledgeHistory(GetKnowledgeHistoryRequest.newBuilder()
                .setId(id).setPageSize(3).build());
        assertEquals(List.of(7, 6, 5), first.getVersionsList().stream().map(KnowledgeVersion::getVersion).toList());
        assertEquals(5, first.getNextPageBeforeVersion());
        GetKnowledgeHistoryResponse second = service.knowledge().getKnowledgeHistory(GetKnowledgeHistoryRequest.newBuilder()
                .setId(id).setPageSize(3).setBeforeVersion(first.getNextPageBeforeVersion()).build());
        assertEquals(List.of(4, 3, 2), second.getVersionsList().stream().map(KnowledgeVersion::getVersion).toList());
        GetKnowledgeHistoryResponse last = service.knowledge().getKnowledgeHistory(GetKnowledgeHistoryRequest.newBuilder()
                .setId(id).setPageSize(3).setBeforeVersion(second.getNextPageBeforeVersion()).build());
        assertEquals(List.of(1), last.getVersionsList().stream().map(KnowledgeVersion::getVersion).toList());
        assertEquals(0, last.getNextPageBeforeVersion());
    }

    @Test
    void badRequestsSayWhatIsWrong() {
        String ns = namespace();
        long id = write(ns + ":default", "Something.", "thing");
        String never = assertRefused(Status.Code.NOT_FOUND, () -> history(999_999_999_999_999L));
        assertTrue(never.contains("has no history"), never);
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> history(0));
        assertTrue(assertRefused(Status.Code.INVALID_ARGUMENT, () -> service.knowledge().getKnowledgeHistory(
                GetKnowledgeHistoryRequest.newBuilder().setId(id).setPageSize(101).build())).startsWith("page_size"));
        assertTrue(assertRefused(Status.Code.INVALID_ARGUMENT, () -> service.knowledge().getKnowledgeHistory(
                GetKnowledgeHistoryRequest.newBuilder().setId(id).setBeforeVersion(-1).build())).startsWith("before_version"));
        String missing = assertRefused(Status.Code.NOT_FOUND, () -> service.knowledge().restoreKnowledge(
                RestoreKnowledgeRequest.newBuilder().setId(id).setVersion(9).build()));
        assertTrue(missing.contains("has versions 1-1"), missing);
        assertTrue(assertRefused(Status.Code.INVALID_ARGUMENT, () -> service.knowledge().restoreKnowledge(
                RestoreKnowledgeRequest.newBuilder().setId(id).setVersion(0).build())).startsWith("version"));
        assertTrue(assertRefused(Status.Code.INVALID_ARGUMENT, () -> restore(id)).startsWith("version is missing"));
        String gone = assertRefused(Status.Code.NOT_FOUND, () -> get(999_999_999_999_999L));
        assertTrue(gone.contains("get_knowledge_history"), gone);
    }

    private static void update(long id, String content) {
        service.knowledge().updateKnowledge(UpdateKnowledgeRequest.newBuilder().setId(id).setContent(content).build());
    }

    private static GetKnowledgeHistoryResponse history(long id) {
        return service.knowledge().getKnowledgeHistory(GetKnowledgeHistoryRequest.newBuilder().setId(id).build());
    }

    private static RestoreKnowledgeResponse restore(long id) {
        return service.knowledge().restoreKnowledge(RestoreKnowledgeRequest.newBuilder().setId(id).build());
    }

    @Test
    void importIsIdempotentByContentAndCarriesCheckedHistories() {
        String ns = namespace();
        KnowledgeEntry entry = KnowledgeEntry.newBuilder().setScope(ns + ":default").setContent("Imported once.")
                .setContext("imported once").build();
        KnowledgeVersion earlier = KnowledgeVersion.newBuilder().setAction("write").setPrincipal("alice")
                .setTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(1_700_000_000L)).setScope(ns + ":default")
                .setContent("Imported, first draft.").setContext("imported draft").build();
        KnowledgeVersion gone = earlier.toBuilder().setAction("delete").setContent("Deleted before the export.").build();
        ImportKnowledgeRequest request = ImportKnowledgeRequest.newBuilder().addEntries(entry)
                .addHistories(ImportedHistory.newBuilder().setEntry(0).addVersions(earlier))
                .addHistories(ImportedHistory.newBuilder().addVersions(earlier).addVersions(gone)).build();

        ImportKnowledgeResponse first = service.knowledge().importKnowledge(request);
        assertEquals(List.of(false), first.getPresentList());
        long id = first.getIds(0);
        assertEquals(List.of("import", "write"), history(id).getVersionsList().stream().map(KnowledgeVersion::getAction)
                .toList(), "its history comes before its import");
        assertEquals("alice", history(id).getVersions(1).getPrincipal());
        assertEquals(1, first.getDeletedIdsCount());
        long deleted = first.getDeletedIds(0);
        assertTrue(history(deleted).getDeleted());

        ImportKnowledgeResponse second = service.knowledge().importKnowledge(request);
        assertEquals(List.of(id), second.getIdsList(), "the same content and context in the same scope: the entry there");
        assertEquals(List.of(true), second.getPresentList());
        assertEquals(0, second.getDeletedIdsCount(), "a deleted entry's history is held already");
        assertEquals(2, history(id).getVersionsCount(), "no history twice");
        service.knowledge().restoreKnowledge(RestoreKnowledgeRequest.newBuilder().setId(deleted).build());
        assertEquals("Deleted before the export.", get(deleted).getContent(), "an imported deleted entry can be restored");

        String message = assertRefused(Status.Code.INVALID_ARGUMENT, () -> service.knowledge().importKnowledge(
                ImportKnowledgeRequest.newBuilder().addHistories(ImportedHistory.newBuilder()
                        .addVersions(earlier.toBuilder().setAction("rewrite"))).build()));
        assertTrue(message.contains("histories[0].versions[0].action 'rewrite' is not an action of history"), message);
        message = assertRefused(Status.Code.INVALID_ARGUMENT, () -> service.knowledge().importKnowledge(
                ImportKnowledgeRequest.newBuilder().addEntries(entry).addHistories(ImportedHistory.newBuilder()
                        .setEntry(1).addVersions(earlier)).build()));
        assertTrue(message.contains("histories[0].entry 1 is not the index of an entry"), message);
    }
}
