package dev.kaizen.knowledge;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import com.google.protobuf.Timestamp;
import dev.kaizen.api.v1.ExportKnowledgeRequest;
import dev.kaizen.api.v1.ExportKnowledgeResponse;
import dev.kaizen.api.v1.GetKnowledgeHistoryRequest;
import dev.kaizen.api.v1.ImportKnowledgeRequest;
import dev.kaizen.api.v1.KnowledgeEntry;
import dev.kaizen.api.v1.KnowledgeVersion;
import dev.kaizen.api.v1.ListStaleKnowledgeRequest;
import dev.kaizen.api.v1.ListStaleKnowledgeResponse;
import dev.kaizen.api.v1.ResolveKnowledgeConflictRequest;
import dev.kaizen.api.v1.RestoreKnowledgeRequest;
import dev.kaizen.api.v1.StaleKnowledgeEntry;
import dev.kaizen.api.v1.StaleReason;
import dev.kaizen.api.v1.UpdateKnowledgeRequest;
import dev.kaizen.api.v1.WriteKnowledgeRequest;
import dev.kaizen.stack.Await;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Expiry and review: an entry past its valid_until leaves the search but stays readable (marked
 * expired) and in its history; valid_until is set, changed, cleared, restored, exported and imported;
 * ListStaleKnowledge lists one scope's entries not updated for some days or expired, oldest first, a
 * page at a time. Old entries come from ImportKnowledge, which keeps the times it is given.
 */
class KnowledgeExpiryTest extends ServiceTest {
    private static final Instant FAR = Instant.parse("2099-01-01T00:00:00Z");
    /** What "days ago" counts from, once for the class, so that the same age is the same time. */
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    @Test
    void anEntryPastItsValidUntilLeavesTheSearchButStaysReadableAndInItsHistory() {
        String scope = namespace() + ":default";
        String mark = marker();
        Instant soon = Instant.now().plus(Duration.ofSeconds(2));
        long expiring = write(scope, "Freeze merges before the " + mark + " release.", mark, soon);
        long lasting = write(scope, "Tag every " + mark + " release.", mark, FAR);
        assertEquals(List.of(expiring, lasting).stream().sorted().toList(), found(scope, mark).stream().sorted().toList());
        KnowledgeEntry before = get(expiring);
        assertEquals(stamp(soon), before.getValidUntil());
        assertFalse(before.getExpired());

        Await.until("the expired entry leaves the search", Duration.ofSeconds(20), () -> !found(scope, mark).contains(expiring));
        assertEquals(List.of(lasting), found(scope, mark), "an entry valid until later stays");
        KnowledgeEntry after = get(expiring);
        assertTrue(after.getExpired(), "get_knowledge shows it as expired");
        assertEquals(stamp(soon), after.getValidUntil());
        assertEquals(before.getContent(), after.getContent());
        assertFalse(get(lasting).getExpired());
        KnowledgeVersion written = service.knowledge().getKnowledgeHistory(GetKnowledgeHistoryRequest.newBuilder()
                .setId(expiring).build()).getVersions(0);
        assertEquals(stamp(soon), written.getValidUntil(), "history keeps valid_until");
    }

    @Test
    void aValidUntilThatIsNotInTheFutureIsRefusedWithASentence() {
        String scope = namespace() + ":default";
        long before = service.sqlNumber("SELECT count(*) FROM knowledge");
        String past = assertRefused(Status.Code.INVALID_ARGUMENT, () -> write(scope, "Too late.", "late",
                Instant.now().minus(Duration.ofDays(1))));
        assertTrue(past.startsWith("valid_until ") && past.contains("is not in the future"), past);
        String far = assertRefused(Status.Code.INVALID_ARGUMENT, () -> service.knowledge().writeKnowledge(
                WriteKnowledgeRequest.newBuilder().setScope(scope).setContent("Forever.").setContext("forever")
                        .setValidUntil(Timestamp.newBuilder().setSeconds(Long.MAX_VALUE)).build()));
        assertTrue(far.startsWith("valid_until ") && far.contains("is out of range"), far);
        assertEquals(before, service.sqlNumber("SELECT count(*) FROM knowledge"), "nothing was written");
    }

    @Test
    void anUpdateChangesOrClearsValidUntilAndARestoreBringsItBack() {
        String scope = namespace() + ":default";
        String mark = marker();
        Instant first = Instant.now().plus(Duration.ofDays(10)).truncatedTo(ChronoUnit.MICROS);
        long id = write(scope, "Use the " + mark + " mirror.", mark, first);
        Instant second = first.plus(Duration.ofDays(30));
        update(UpdateKnowledgeRequest.newBuilder().setId(id).setValidUntil(stamp(second)));
        assertEquals(stamp(second), get(id).getValidUntil(), "valid_until alone is a change");
        update(UpdateKnowledgeRequest.newBuilder().setId(id).setClearValidUntil(true));
        assertFalse(get(id).hasValidUntil(), "cleared: the entry no longer expires");

        String both = assertRefused(Status.Code.INVALID_ARGUMENT, () -> update(UpdateKnowledgeRequest.newBuilder().setId(id)
                .setValidUntil(stamp(second)).setClearValidUntil(true)));
        assertTrue(both.startsWith("clear_valid_until") && both.contains("not both"), both);
        String past = assertRefused(Status.Code.INVALID_ARGUMENT, () -> update(UpdateKnowledgeRequest.newBuilder().setId(id)
                .setValidUntil(stamp(Instant.now().minusSeconds(60)))));
        assertTrue(past.startsWith("valid_until") && past.contains("delete the entry to retire it"), past);
        String nothing = assertRefused(Status.Code.INVALID_ARGUMENT, () -> update(UpdateKnowledgeRequest.newBuilder().setId(id)));
        assertTrue(nothing.contains("valid_until"), nothing);
        assertFalse(get(id).hasValidUntil(), "refused updates changed nothing");

        service.knowledge().restoreKnowledge(RestoreKnowledgeRequest.newBuilder().setId(id).setVersion(1).build());
        assertEquals(stamp(first), get(id).getValidUntil(), "the restored version's valid_until is back");
        assertEquals(List.of(id), found(scope, mark));
    }

    @Test
    void anExpiredEntryComesBackToTheSearchWhenItsValidUntilMovesOrGoes() {
        String scope = namespace() + ":default";
        String mark = marker();
        long id = imported(entry(scope, "Ship with the " + mark + " flag.", mark).setValidUntil(daysAgo(1))).getFirst();
        assertTrue(get(id).getExpired(), "an import keeps a past valid_until, as a backup had it");
        assertEquals(List.of(), found(scope, mark));
        update(UpdateKnowledgeRequest.newBuilder().setId(id).setValidUntil(stamp(FAR)));
        assertEquals(List.of(id), found(scope, mark));
        assertFalse(get(id).getExpired());
    }

    @Test
    void exportCarriesValidUntilAndAnImportStoresIt() {
        String ns = namespace();
        long id = write(ns + ":default", "Rotate the staging keys.", "keys rotation", FAR);
        write(ns + ":default", "Keys live in the vault.", "keys vault");
        List<KnowledgeEntry> exported = new ArrayList<>();
        service.knowledge().exportKnowledge(ExportKnowledgeRequest.newBuilder().setNamespace(ns).build())
                .forEachRemaining((ExportKnowledgeResponse response) -> exported.add(response.getEntry()));
        assertEquals(stamp(FAR), exported.stream().filter(entry -> entry.getId() == id).findFirst().orElseThrow()
                .getValidUntil());
        String copy = namespace();
        List<Long> ids = imported(exported.stream().map(entry -> entry.toBuilder().setScope(copy + ":default")).toArray(
                KnowledgeEntry.Builder[]::new));
        assertEquals(List.of(stamp(FAR), Timestamp.getDefaultInstance()), ids.stream().map(each -> get(each).getValidUntil())
                .toList());
    }

    @Test
    void staleEntriesAreOneScopesOldOrExpiredOnesOldestFirstWithTheirReason() {
        String ns = namespace();
        String scope = ns + ":default";
        createScope(ns + ":child");
        List<Long> ids = imported(
                entry(scope, "Four hundred days old.", "old").setUpdateTime(daysAgo(400)),
                entry(scope, "Expired long ago and old.", "old").setUpdateTime(daysAgo(300)).setValidUntil(daysAgo(200)),
                entry(scope, "Two hundred days old.", "old").setUpdateTime(daysAgo(200)),
                entry(scope, "A hundred days old.", "old").setUpdateTime(daysAgo(100)),
                entry(scope, "Fresh but expired.", "expired").setUpdateTime(daysAgo(5)).setValidUntil(daysAgo(1)),
                entry(scope, "Fresh.", "fresh").setUpdateTime(daysAgo(5)),
                entry(scope, "Fresh and valid for long.", "fresh").setUpdateTime(daysAgo(5)).setValidUntil(stamp(FAR)),
                entry(ns + ":child", "Old, in a child scope.", "old").setUpdateTime(daysAgo(400)),
                entry(scope, "Old, but suppressed.", "old").setUpdateTime(daysAgo(500)));
        service.knowledge().resolveKnowledgeConflict(ResolveKnowledgeConflictRequest.newBuilder().setActiveId(ids.get(5))
                .addSuppressedIds(ids.get(8)).build());

        ListStaleKnowledgeResponse stale = stale(ListStaleKnowledgeRequest.newBuilder().setScope(scope));
        assertEquals(List.of(ids.get(0), ids.get(1), ids.get(2), ids.get(3), ids.get(4)), idsOf(stale),
                "oldest update first, by default not updated for 90 days, and expired ones whatever their age");
        assertEquals(List.of(StaleReason.STALE_REASON_NOT_UPDATED, StaleReason.STALE_REASON_EXPIRED,
                        StaleReason.STALE_REASON_NOT_UPDATED, StaleReason.STALE_REASON_NOT_UPDATED,
                        StaleReason.STALE_REASON_EXPIRED),
                stale.getEntriesList().stream().map(StaleKnowledgeEntry::getReason).toList());
        StaleKnowledgeEntry oldest = stale.getEntries(0);
        assertEquals(scope, oldest.getScope());
        assertEquals("Four hundred days old.", oldest.getExcerpt());
        assertEquals("old", oldest.getContext());
        assertEquals(daysAgo(400), oldest.getUpdateTime());
        assertFalse(oldest.getUpdatedBy().isEmpty());
        assertFalse(oldest.hasValidUntil());
        assertEquals(daysAgo(1), stale.getEntries(4).getValidUntil());
        assertTrue(stale.getNextPageAfter().isEmpty(), "one page holds them all");

        assertEquals(List.of(ids.get(0), ids.get(1), ids.get(2), ids.get(4)),
                idsOf(stale(ListStaleKnowledgeRequest.newBuilder().setScope(scope).setDays(150))));
        assertEquals(List.of(ids.get(1), ids.get(4)),
                idsOf(stale(ListStaleKnowledgeRequest.newBuilder().setScope(scope).setDays(3650))), "expired ones only");
        assertEquals(List.of(ids.get(7)), idsOf(stale(ListStaleKnowledgeRequest.newBuilder().setScope(ns + ":child"))),
                "one scope, not its ancestors");

        update(UpdateKnowledgeRequest.newBuilder().setId(ids.get(0)).setContext("old reviewed"));
        assertFalse(idsOf(stale(ListStaleKnowledgeRequest.newBuilder().setScope(scope))).contains(ids.get(0)),
                "an updated entry leaves the list");
    }

    @Test
    void staleEntriesComeAPageAtATime() {
        String scope = namespace() + ":default";
        KnowledgeEntry.Builder[] old = new KnowledgeEntry.Builder[7];
        for (int i = 0; i < old.length; i++) {
            // two entries share each update time: the id orders them, and paging neither skips nor repeats one
            old[i] = entry(scope, "Old entry " + i + ".", "old").setUpdateTime(daysAgo(200 - i / 2));
        }
        List<Long> ids = imported(old);
        List<Long> read = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        String after = "";
        do {
            ListStaleKnowledgeResponse page = stale(ListStaleKnowledgeRequest.newBuilder().setScope(scope).setPageSize(3)
                    .setAfter(after));
            read.addAll(idsOf(page));
            sizes.add(page.getEntriesCount());
            after = page.getNextPageAfter();
        } while (!after.isEmpty());
        assertEquals(ids, read);
        assertEquals(List.of(3, 3, 1), sizes);
    }

    @Test
    void listingStaleEntriesRefusesBadArgumentsWithASentence() {
        String scope = namespace() + ":default";
        for (int days : new int[] {-1, 3651}) {
            String refusal = assertRefused(Status.Code.INVALID_ARGUMENT, () -> stale(ListStaleKnowledgeRequest.newBuilder()
                    .setScope(scope).setDays(days)));
            assertTrue(refusal.startsWith("days " + days + " is out of range"), refusal);
        }
        assertTrue(assertRefused(Status.Code.INVALID_ARGUMENT, () -> stale(ListStaleKnowledgeRequest.newBuilder()
                .setScope(scope).setPageSize(101))).startsWith("page_size 101 is out of range"));
        String after = assertRefused(Status.Code.INVALID_ARGUMENT, () -> stale(ListStaleKnowledgeRequest.newBuilder()
                .setScope(scope).setAfter("page two")));
        assertTrue(after.startsWith("after 'page two' is not a position in the list"), after);
        assertTrue(assertRefused(Status.Code.INVALID_ARGUMENT, () -> stale(ListStaleKnowledgeRequest.newBuilder()
                .setScope("no scope"))).startsWith("scope 'no scope' is not a valid scope"));
        String missing = assertRefused(Status.Code.NOT_FOUND, () -> stale(ListStaleKnowledgeRequest.newBuilder()
                .setScope(scope.replace(":default", ":absent"))));
        assertTrue(missing.contains("does not exist"), missing);
    }

    private static long write(String scope, String content, String context, Instant validUntil) {
        return service.knowledge().writeKnowledge(WriteKnowledgeRequest.newBuilder().setScope(scope).setContent(content)
                .setContext(context).setValidUntil(stamp(validUntil)).build()).getId();
    }

    private static void update(UpdateKnowledgeRequest.Builder request) {
        service.knowledge().updateKnowledge(request.build());
    }

    private static KnowledgeEntry.Builder entry(String scope, String content, String context) {
        return KnowledgeEntry.newBuilder().setScope(scope).setContent(content).setContext(context);
    }

    /** Imports the entries in one batch; their ids, in order. */
    private static List<Long> imported(KnowledgeEntry.Builder... entries) {
        ImportKnowledgeRequest.Builder request = ImportKnowledgeRequest.newBuilder();
        for (KnowledgeEntry.Builder entry : entries) {
            request.addEntries(entry);
        }
        return service.knowledge().importKnowledge(request.build()).getIdsList();
    }

    private static ListStaleKnowledgeResponse stale(ListStaleKnowledgeRequest.Builder request) {
        return service.knowledge().listStaleKnowledge(request.build());
    }

    private static List<Long> idsOf(ListStaleKnowledgeResponse response) {
        return response.getEntriesList().stream().map(StaleKnowledgeEntry::getId).toList();
    }

    private static Timestamp daysAgo(int days) {
        return stamp(NOW.minus(Duration.ofDays(days)));
    }

    private static Timestamp stamp(Instant time) {
        Instant micros = time.truncatedTo(ChronoUnit.MICROS);
        return Timestamp.newBuilder().setSeconds(micros.getEpochSecond()).setNanos(micros.getNano()).build();
    }
}
