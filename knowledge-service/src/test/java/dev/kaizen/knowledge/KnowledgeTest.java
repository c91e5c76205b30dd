package dev.kaizen.knowledge;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import dev.kaizen.api.Rules;
import dev.kaizen.api.v1.DeleteKnowledgeRequest;
import dev.kaizen.api.v1.ExportKnowledgeRequest;
import dev.kaizen.api.v1.ExportKnowledgeResponse;
import dev.kaizen.api.v1.GetKnowledgeRequest;
import dev.kaizen.api.v1.GetTaskContextRequest;
import dev.kaizen.api.v1.ImportKnowledgeRequest;
import dev.kaizen.api.v1.KnowledgeEntry;
import dev.kaizen.api.v1.ResolveKnowledgeConflictRequest;
import dev.kaizen.api.v1.ResolveKnowledgeConflictResponse;
import dev.kaizen.api.v1.TaskSize;
import dev.kaizen.api.v1.UpdateKnowledgeRequest;
import dev.kaizen.api.v1.WriteKnowledgeRequest;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KnowledgeTest extends ServiceTest {

    @Test
    void writtenKnowledgeCanBeReadBack() {
        String ns = namespace();
        var written = service.knowledge().writeKnowledge(WriteKnowledgeRequest.newBuilder().setScope(ns + ":default")
                .setContent("Always run the linter before pushing.").setContext("lint  ci   push")
                .setTaskSize(TaskSize.TASK_SIZE_M).build());
        assertEquals(ns + ":default", written.getScope());
        KnowledgeEntry entry = get(written.getId());
        assertEquals("Always run the linter before pushing.", entry.getContent());
        assertEquals("lint ci push", entry.getContext(), "context is normalised to single spaces");
        assertEquals(TaskSize.TASK_SIZE_M, entry.getTaskSize());
        assertFalse(entry.getSuppressed());
        assertTrue(entry.getCreateTime().getSeconds() > 0);
    }

    @Test
    void writingIntoAMissingScopeIsNotFound() {
        assertRefused(Status.Code.NOT_FOUND, () -> write(unique("none") + ":default", "Lost", "lost"));
    }

    @Test
    void contentAndContextAreValidated() {
        String scope = namespace() + ":default";
        assertTrue(assertRefused(Status.Code.INVALID_ARGUMENT, () -> write(scope, "   ", "ok")).startsWith("content"));
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> write(scope, "x".repeat(Rules.CONTENT_MAX + 1), "ok"));
        write(scope, "x".repeat(Rules.CONTENT_MAX), "longest");
        for (String bad : List.of("", "  ", "a", "Upper", "under_score", "dot.ted", "x".repeat(33),
                String.join(" ", java.util.Collections.nCopies(21, "word")))) {
            String message = assertRefused(Status.Code.INVALID_ARGUMENT, () -> write(scope, "Fine content", bad));
            assertTrue(message.startsWith("context"), message);
        }
        write(scope, "Twenty keywords", String.join(" ", java.util.Collections.nCopies(20, "word")));
    }

    @Test
    void updateChangesOnlyWhatIsGiven() {
        String ns = namespace();
        createScope(ns + ":moved");
        long id = write(ns + ":default", "Original content", "original");
        var updated = service.knowledge().updateKnowledge(UpdateKnowledgeRequest.newBuilder().setId(id)
                .setScope(ns + ":moved").setTaskSize(TaskSize.TASK_SIZE_S).build());
        assertEquals(ns + ":moved", updated.getScope());
        KnowledgeEntry entry = get(id);
        assertEquals("Original content", entry.getContent());
        assertEquals("original", entry.getContext());
        assertEquals(TaskSize.TASK_SIZE_S, entry.getTaskSize());

        service.knowledge().updateKnowledge(UpdateKnowledgeRequest.newBuilder().setId(id).setContent("New content")
                .setContext("fresh words").setTaskSize(TaskSize.TASK_SIZE_UNSPECIFIED).build());
        entry = get(id);
        assertEquals("New content", entry.getContent());
        assertEquals(TaskSize.TASK_SIZE_UNSPECIFIED, entry.getTaskSize(), "unspecified removes the task size");
        assertEquals(List.of(id), found(ns + ":moved", "fresh words"), "the search vector follows the new context");
        assertEquals(List.of(), found(ns + ":moved", "original"));

        assertRefused(Status.Code.INVALID_ARGUMENT, () -> service.knowledge().updateKnowledge(
                UpdateKnowledgeRequest.newBuilder().setId(id).build()));
        assertRefused(Status.Code.NOT_FOUND, () -> service.knowledge().updateKnowledge(
                UpdateKnowledgeRequest.newBuilder().setId(id).setScope(ns + ":ghost").build()));
        assertRefused(Status.Code.NOT_FOUND, () -> service.knowledge().updateKnowledge(
                UpdateKnowledgeRequest.newBuilder().setId(Rules.ID_MAX).setContent("x").build()));
    }

    @Test
    void deleteRemovesTheEntry() {
        long id = write(namespace() + ":default", "Short-lived", "ephemeral");
        assertEquals(id, service.knowledge().deleteKnowledge(DeleteKnowledgeRequest.newBuilder().setId(id).build()).getId());
        assertRefused(Status.Code.NOT_FOUND, () -> get(id));
        assertRefused(Status.Code.NOT_FOUND, () -> service.knowledge().deleteKnowledge(
                DeleteKnowledgeRequest.newBuilder().setId(id).build()));
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> service.knowledge().deleteKnowledge(
                DeleteKnowledgeRequest.newBuilder().setId(0).build()));
    }

    @Test
    void getByIdsReturnsEntriesInTheOrderAskedAndNamesMissingIds() {
        String scope = namespace() + ":default";
        long first = write(scope, "First", "first");
        long second = write(scope, "Second", "second");
        List<Long> ids = service.knowledge().getKnowledge(GetKnowledgeRequest.newBuilder()
                        .addIds(second).addIds(first).addIds(second).build())
                .getEntriesList().stream().map(KnowledgeEntry::getId).toList();
        assertEquals(List.of(second, first), ids);
        String message = assertRefused(Status.Code.NOT_FOUND, () -> service.knowledge().getKnowledge(
                GetKnowledgeRequest.newBuilder().addIds(first).addIds(Rules.ID_MAX).build()));
        assertTrue(message.contains(String.valueOf(Rules.ID_MAX)), message);
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> service.knowledge().getKnowledge(GetKnowledgeRequest.getDefaultInstance()));
        GetKnowledgeRequest.Builder tooMany = GetKnowledgeRequest.newBuilder();
        for (long i = 1; i <= Rules.IDS_MAX + 1; i++) {
            tooMany.addIds(i);
        }
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> service.knowledge().getKnowledge(tooMany.build()));
    }

    @Test
    void suppressedEntriesAreHiddenFromSearchAndAudited() {
        String scope = namespace() + ":default";
        String marker = unique("conflict").replace("-", "");
        long winner = write(scope, "Use tabs for indentation.", marker + " indentation");
        long loser = write(scope, "Use spaces for indentation.", marker + " indentation");
        assertEquals(2, found(scope, marker).size());

        ResolveKnowledgeConflictResponse resolved = service.knowledge().resolveKnowledgeConflict(
                ResolveKnowledgeConflictRequest.newBuilder().setActiveId(winner).addSuppressedIds(loser).build());

        assertEquals(winner, resolved.getActiveId());
        assertEquals(List.of(loser), resolved.getSuppressedIdsList());
        assertEquals(List.of(winner), found(scope, marker));
        assertTrue(get(loser).getSuppressed());
        assertFalse(get(winner).getSuppressed());
    }

    @Test
    void conflictResolutionIsValidated() {
        String scope = namespace() + ":default";
        long one = write(scope, "One", "one");
        long two = write(scope, "Two", "two");
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> service.knowledge().resolveKnowledgeConflict(
                ResolveKnowledgeConflictRequest.newBuilder().setActiveId(one).addSuppressedIds(one).build()));
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> service.knowledge().resolveKnowledgeConflict(
                ResolveKnowledgeConflictRequest.newBuilder().setActiveId(one).build()));
        String message = assertRefused(Status.Code.NOT_FOUND, () -> service.knowledge().resolveKnowledgeConflict(
                ResolveKnowledgeConflictRequest.newBuilder().setActiveId(one).addSuppressedIds(two)
                        .addSuppressedIds(Rules.ID_MAX).build()));
        assertTrue(message.startsWith("suppressed_ids"), message);
        assertFalse(get(two).getSuppressed(), "a refused resolution changes nothing");
    }

    @Test
    void exportThenImportRoundTripsKnowledge() {
        String source = namespace();
        createScope(source + ":web");
        long plain = write(source + ":web", "Prefer CSS grid.", "css grid layout");
        long sized = service.knowledge().writeKnowledge(WriteKnowledgeRequest.newBuilder().setScope(source + ":default")
                .setContent("Plan large migrations.").setContext("migration plan").setTaskSize(TaskSize.TASK_SIZE_XL)
                .build()).getId();
        long hidden = write(source + ":default", "Old advice.", "migration plan");
        service.knowledge().resolveKnowledgeConflict(ResolveKnowledgeConflictRequest.newBuilder()
                .setActiveId(sized).addSuppressedIds(hidden).build());

        List<KnowledgeEntry> exported = export(source);
        assertEquals(List.of(plain, sized, hidden), exported.stream().map(KnowledgeEntry::getId).toList());

        // import into a namespace of the same name in a fresh state: delete and recreate it
        service.namespaces().deleteNamespace(dev.kaizen.api.v1.DeleteNamespaceRequest.newBuilder().setName(source).build());
        createNamespace(source);
        createScope(source + ":web");
        List<Long> ids = service.knowledge().importKnowledge(ImportKnowledgeRequest.newBuilder()
                .addAllEntries(exported).build()).getIdsList();

        List<KnowledgeEntry> reimported = export(source);
        assertEquals(ids, reimported.stream().map(KnowledgeEntry::getId).toList());
        for (int i = 0; i < exported.size(); i++) {
            KnowledgeEntry before = exported.get(i);
            KnowledgeEntry after = reimported.get(i);
            assertEquals(before.toBuilder().clearId().build(), after.toBuilder().clearId().build());
        }
        assertEquals(List.of(ids.get(1)), found(source + ":default", "migration plan"), "suppression survives");
    }

    @Test
    void importIsAtomicPerBatch() {
        String ns = namespace();
        KnowledgeEntry good = KnowledgeEntry.newBuilder().setScope(ns + ":default").setContent("Good").setContext("good")
                .build();
        KnowledgeEntry badScope = good.toBuilder().setScope(ns + ":missing").build();
        String message = assertRefused(Status.Code.NOT_FOUND, () -> service.knowledge().importKnowledge(
                ImportKnowledgeRequest.newBuilder().addEntries(good).addEntries(badScope).build()));
        assertTrue(message.startsWith("entries[1].scope"), message);
        KnowledgeEntry badContext = good.toBuilder().setContext("Not Valid").build();
        message = assertRefused(Status.Code.INVALID_ARGUMENT, () -> service.knowledge().importKnowledge(
                ImportKnowledgeRequest.newBuilder().addEntries(good).addEntries(badContext).build()));
        assertTrue(message.startsWith("entries[1].context"), message);
        assertEquals(List.of(), export(ns), "nothing of a refused batch is stored");
    }

    @Test
    void importTimestampsOutsideTheDocumentedRangeAreRefused() {
        String ns = namespace();
        KnowledgeEntry entry = KnowledgeEntry.newBuilder().setScope(ns + ":default").setContent("Dated").setContext("dated")
                .build();
        for (com.google.protobuf.Timestamp bad : List.of(
                com.google.protobuf.Timestamp.newBuilder().setSeconds(9_400_000_000_000L).build(),
                com.google.protobuf.Timestamp.newBuilder().setSeconds(Long.MAX_VALUE).build(),
                com.google.protobuf.Timestamp.newBuilder().setSeconds(-9_000_000_000_000_000_000L).build(),
                com.google.protobuf.Timestamp.newBuilder().setSeconds(-377_705_116_800L).build(),
                com.google.protobuf.Timestamp.newBuilder().setNanos(-5).build(),
                com.google.protobuf.Timestamp.newBuilder().setNanos(2_000_000_000).build())) {
            String message = assertRefused(Status.Code.INVALID_ARGUMENT, () -> service.knowledge().importKnowledge(
                    ImportKnowledgeRequest.newBuilder().addEntries(entry.toBuilder().setUpdateTime(bad)).build()));
            assertTrue(message.startsWith("entries[0].update_time"), message);
        }
        com.google.protobuf.Timestamp last = com.google.protobuf.Timestamp.newBuilder()
                .setSeconds(Rules.TIMESTAMP_SECONDS_MAX).setNanos(999_999_000).build();
        service.knowledge().importKnowledge(ImportKnowledgeRequest.newBuilder()
                .addEntries(entry.toBuilder().setCreateTime(last).setUpdateTime(last)).build());
        assertEquals(last, export(ns).getFirst().getCreateTime());
    }

    @Test
    void textIsStoredExactlyOrRefused() {
        String scope = namespace() + ":default";
        String unusual = "Emoji \uD83D\uDE80, right-to-left \u05E9\u05DC\u05D5\u05DD \u202E, zero width \u200B, "
                + "combining e\u0301, full width \uFF21, \\u0000 as text";
        assertEquals(unusual, get(write(scope, unusual, "unusual")).getContent());
        assertTrue(assertRefused(Status.Code.INVALID_ARGUMENT, () -> write(scope, "nul \u0000 here", "nul"))
                .startsWith("content contains a NUL character"));
        assertTrue(assertRefused(Status.Code.INVALID_ARGUMENT, () -> write(scope, "\u00A0\u0085\u2003", "blank"))
                .startsWith("content is blank"));
    }

    @Test
    void exportOfAnUnknownNamespaceIsNotFound() {
        assertRefused(Status.Code.NOT_FOUND, () -> export(unique("unknown")));
    }

    static List<KnowledgeEntry> export(String namespace) {
        Iterator<ExportKnowledgeResponse> stream = service.knowledge().exportKnowledge(
                ExportKnowledgeRequest.newBuilder().setNamespace(namespace).build());
        List<KnowledgeEntry> entries = new ArrayList<>();
        stream.forEachRemaining(response -> entries.add(response.getEntry()));
        return entries;
    }
}
