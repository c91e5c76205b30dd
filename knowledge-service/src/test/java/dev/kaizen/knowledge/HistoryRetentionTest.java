package dev.kaizen.knowledge;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.kaizen.api.v1.AuditEvent;
import dev.kaizen.api.v1.AuditServiceGrpc;
import dev.kaizen.api.v1.DeleteKnowledgeRequest;
import dev.kaizen.api.v1.GetKnowledgeHistoryRequest;
import dev.kaizen.api.v1.KnowledgeVersion;
import dev.kaizen.api.v1.ListAuditEventsRequest;
import dev.kaizen.api.v1.PurgeKnowledgeRequest;
import dev.kaizen.api.v1.PurgeKnowledgeResponse;
import dev.kaizen.api.v1.PurgedKnowledge;
import dev.kaizen.api.v1.ResetConfigRequest;
import dev.kaizen.api.v1.RestoreKnowledgeRequest;
import dev.kaizen.api.v1.UpdateConfigRequest;
import dev.kaizen.api.v1.UpdateKnowledgeRequest;
import dev.kaizen.stack.Await;
import dev.kaizen.stack.PostgresServer;
import io.grpc.Status;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How long history is kept (history.retention_days), and purging it for good. */
class HistoryRetentionTest extends ServiceTest {

    /** Hides ServiceTest's: this service applies the retention every 0.2 s. */
    @BeforeAll
    static void startService(TestInfo info) {
        PostgresServer postgres = PostgresServer.shared();
        service = RunningService.start(postgres.createDatabase("HistoryRetentionTest"), postgres,
                Map.of("history.retention-interval", "PT0.2S"));
    }

    @Test
    void versionsLeaveAfterTheRetentionButAnEntrysCurrentStateStays() {
        String ns = namespace();
        long kept = write(ns + ":default", "Version one.", "retention");
        update(kept, "Version two.");
        update(kept, "Version three.");
        long gone = write(ns + ":default", "Deleted long ago.", "retention");
        delete(gone);
        long recent = write(ns + ":default", "Deleted just now.", "retention");
        update(recent, "Deleted just now, after a change.");
        // ten days pass for the first two entries (versions refuse UPDATE: the test lifts that for a moment)
        service.sql("ALTER TABLE knowledge_version DISABLE TRIGGER knowledge_version_no_change");
        service.sql("UPDATE knowledge_version SET time = time - interval '10 days' WHERE knowledge_id IN (" + kept + ", "
                + gone + ")");
        service.sql("ALTER TABLE knowledge_version ENABLE TRIGGER knowledge_version_no_change");
        delete(recent);

        try {
            setting("history.retention_days", "5");
            Await.until("versions past five days removed", Duration.ofSeconds(10), () -> versions(kept).size() == 1);
        } finally {
            service.settings().resetConfig(ResetConfigRequest.newBuilder().setKey("history.retention_days").build());
        }
        List<KnowledgeVersion> current = versions(kept);
        assertEquals(3, current.getFirst().getVersion(), "the entry as it is stays");
        assertEquals("Version three.", current.getFirst().getContent());
        assertEquals("Version three.", get(kept).getContent());
        assertRefused(Status.Code.NOT_FOUND, () -> versions(gone));
        assertRefused(Status.Code.NOT_FOUND, () -> service.knowledge().restoreKnowledge(RestoreKnowledgeRequest.newBuilder()
                .setId(gone).build()));
        assertEquals(3, versions(recent).size(), "deleted today: within five days");
        AuditEvent expired = audit().stream().filter(event -> event.getAction().equals("knowledge.history_expired"))
                .findFirst().orElseThrow();
        assertEquals(Audit.SERVICE, expired.getPrincipal());
        assertTrue(expired.getDetails().matches("\\d+ versions past history.retention_days removed"), expired.getDetails());
    }

    @Test
    void purgeRemovesAnEntryAndItsHistoryForGoodAndCanBeRepeated() {
        String ns = namespace();
        long secret = write(ns + ":default", "The staging password is hunter2.", "staging password");
        update(secret, "The staging password is hunter3.");
        long deleted = write(ns + ":default", "Also the password: hunter2.", "password");
        delete(deleted);

        PurgeKnowledgeResponse purged = purge(secret, deleted, 999_999_999L);
        assertEquals(List.of(
                PurgedKnowledge.newBuilder().setId(secret).setEntryRemoved(true).setVersionsRemoved(2).build(),
                PurgedKnowledge.newBuilder().setId(deleted).setEntryRemoved(false).setVersionsRemoved(2).build(),
                PurgedKnowledge.newBuilder().setId(999_999_999L).setEntryRemoved(false).setVersionsRemoved(0).build()),
                purged.getPurgedList(), "in the order asked");
        assertRefused(Status.Code.NOT_FOUND, () -> get(secret));
        assertRefused(Status.Code.NOT_FOUND, () -> versions(secret));
        assertRefused(Status.Code.NOT_FOUND, () -> versions(deleted));
        assertEquals(List.of(), found(ns + ":default", "staging password"));
        assertEquals(0, service.sqlNumber("SELECT count(*) FROM knowledge_version WHERE content LIKE '%hunter%'"));

        List<AuditEvent> purges = audit().stream().filter(event -> event.getAction().equals("knowledge.purge")).toList();
        assertEquals(List.of(String.valueOf(deleted), String.valueOf(secret)),
                purges.stream().map(AuditEvent::getTarget).toList(), "newest first; nothing removed, nothing audited");
        assertEquals("the entry and 2 versions", purges.get(1).getDetails());
        assertEquals(ns, purges.get(0).getNamespace(), "a deleted entry's namespace comes from its history");
        assertFalse(purges.stream().anyMatch(event -> event.getDetails().contains("hunter")), "no content in the audit log");

        assertEquals(List.of(false, false), purge(secret, deleted).getPurgedList().stream()
                .map(item -> item.getEntryRemoved() || item.getVersionsRemoved() > 0).toList(), "a second purge removes nothing");
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> purge());
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> purge(0L));
    }

    private static PurgeKnowledgeResponse purge(Long... ids) {
        return service.knowledge().purgeKnowledge(PurgeKnowledgeRequest.newBuilder().addAllIds(List.of(ids)).build());
    }

    private static void update(long id, String content) {
        service.knowledge().updateKnowledge(UpdateKnowledgeRequest.newBuilder().setId(id).setContent(content).build());
    }

    private static void delete(long id) {
        service.knowledge().deleteKnowledge(DeleteKnowledgeRequest.newBuilder().setId(id).build());
    }

    private static List<KnowledgeVersion> versions(long id) {
        return service.knowledge().getKnowledgeHistory(GetKnowledgeHistoryRequest.newBuilder().setId(id).build())
                .getVersionsList();
    }

    private static List<AuditEvent> audit() {
        return AuditServiceGrpc.newBlockingStub(service.channel).listAuditEvents(ListAuditEventsRequest.newBuilder()
                .setPageSize(1000).build()).getEventsList();
    }

    private static void setting(String key, String value) {
        service.settings().updateConfig(UpdateConfigRequest.newBuilder().setKey(key).setValue(value).build());
    }
}
