package dev.kaizen.knowledge;

import java.util.List;

import dev.kaizen.api.Rules;
import dev.kaizen.api.v1.ListStaleKnowledgeRequest;
import dev.kaizen.api.v1.ListStaleKnowledgeResponse;
import dev.kaizen.api.v1.StaleKnowledgeEntry;
import dev.kaizen.api.v1.StaleReason;
import dev.kaizen.identity.Grant;
import io.helidon.dbclient.DbRow;

/**
 * The review of knowledge that may no longer hold (ListStaleKnowledge): a scope's entries not
 * updated for some days or past their valid_until, oldest update first, a page at a time. Expiry
 * itself is {@code knowledge_expired()} in SQL (migration V007), which the search, get_knowledge and
 * this list share.
 */
final class KnowledgeReview {
    /**
     * One page of a scope's stale entries after a position (update time, id): the entries not updated
     * since the cut-off and the expired ones, each from its own index (V007) and each cut at the page,
     * then merged. Suppressed entries are left out: a conflict resolution has hidden them already.
     */
    private static final String STALE = """
            WITH stale AS (
                (SELECT k.id FROM knowledge k
                 WHERE k.scope_id = ? AND NOT k.suppressed AND k.updated_at < now() - make_interval(days => ?)
                   AND (k.updated_at, k.id) > (?::timestamptz, ?)
                 ORDER BY k.updated_at, k.id
                 LIMIT ?)
                UNION
                (SELECT k.id FROM knowledge k
                 WHERE k.scope_id = ? AND NOT k.suppressed AND knowledge_expired(k.valid_until)
                   AND (k.updated_at, k.id) > (?::timestamptz, ?)
                 ORDER BY k.updated_at, k.id
                 LIMIT ?))
            SELECT k.id, t.content, t.context, k.updated_at, k.updated_by, k.valid_until,
                   coalesce(knowledge_expired(k.valid_until), false) AS expired
            FROM stale JOIN knowledge k ON k.id = stale.id JOIN knowledge_text t ON t.knowledge_id = k.id
            ORDER BY k.updated_at, k.id
            LIMIT ?""";
    /** Before every entry: where a list without a position starts. */
    private static final String START = "-infinity";

    private final Database database;

    KnowledgeReview(Database database) {
        this.database = database;
    }

    ListStaleKnowledgeResponse listStale(ListStaleKnowledgeRequest request) {
        ScopeName scope = ScopeName.parse("scope", request.getScope());
        int days = request.getDays() == 0 ? Rules.STALE_DAYS_DEFAULT : Rules.staleDays("days", request.getDays());
        int size = request.getPageSize() == 0 ? Rules.STALE_PAGE_DEFAULT : Rules.stalePageSize("page_size",
                request.getPageSize());
        Rules.StalePosition after = request.getAfter().isEmpty() ? null : Rules.stalePosition("after", request.getAfter());
        Access.require(Grant.READ, scope.namespace(), "list stale knowledge in");
        String time = after == null ? START : after.updateTime().toString();
        long id = after == null ? 0 : after.id();
        List<DbRow> rows = database.read(db -> {
            long scopeId = Scopes.id(db, "scope", scope);
            return Sql.rows(db, STALE, scopeId, days, time, id, size + 1, scopeId, time, id, size + 1, size + 1);
        });
        ListStaleKnowledgeResponse.Builder response = ListStaleKnowledgeResponse.newBuilder();
        for (DbRow row : rows.subList(0, Math.min(size, rows.size()))) {
            StaleKnowledgeEntry.Builder entry = StaleKnowledgeEntry.newBuilder()
                    .setId(Sql.number(row, "id"))
                    .setScope(scope.toString())
                    .setExcerpt(TaskContextPage.excerpt(Sql.string(row, "content"), List.of()))
                    .setContext(Sql.string(row, "context"))
                    .setUpdateTime(KnowledgeService.protoTime(row, "updated_at"))
                    .setUpdatedBy(Sql.string(row, "updated_by"))
                    .setReason((Boolean) row.column("expired").get() ? StaleReason.STALE_REASON_EXPIRED
                            : StaleReason.STALE_REASON_NOT_UPDATED);
            if (Sql.value(row, "valid_until") != null) {
                entry.setValidUntil(KnowledgeService.protoTime(row, "valid_until"));
            }
            response.addEntries(entry);
        }
        if (rows.size() > size) {
            StaleKnowledgeEntry last = response.getEntries(size - 1);
            response.setNextPageAfter(new Rules.StalePosition(java.time.Instant.ofEpochSecond(
                    last.getUpdateTime().getSeconds(), last.getUpdateTime().getNanos()), last.getId()).toString());
        }
        return response.build();
    }
}
