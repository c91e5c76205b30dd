package dev.kaizen.knowledge;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import dev.kaizen.api.ErrorDetails.Reason;
import dev.kaizen.api.Rules;
import dev.kaizen.api.v1.GetKnowledgeHistoryRequest;
import dev.kaizen.api.v1.GetKnowledgeHistoryResponse;
import dev.kaizen.api.v1.ImportedHistory;
import dev.kaizen.api.v1.KnowledgeVersion;
import dev.kaizen.api.v1.PurgeKnowledgeRequest;
import dev.kaizen.api.v1.PurgeKnowledgeResponse;
import dev.kaizen.api.v1.PurgedKnowledge;
import dev.kaizen.api.v1.RestoreKnowledgeRequest;
import dev.kaizen.api.v1.RestoreKnowledgeResponse;
import dev.kaizen.identity.Grant;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;

/**
 * The history of knowledge entries (table knowledge_version): every state an entry has had, written
 * by the transaction of each change ({@link #record}), read by GetKnowledgeHistory and brought back
 * by RestoreKnowledge. Versions are never changed; a restore is a new version. Only PurgeKnowledge
 * and the retention ({@link HistoryRetention}) remove them.
 */
final class KnowledgeHistory {
    /** The actions a version records: what made it. */
    static final String WRITE = "write";
    static final String UPDATE = "update";
    static final String RESOLVE_CONFLICT = "resolve_conflict";
    static final String IMPORT = "import";
    static final String RESTORE = "restore";
    static final String DELETE = "delete";
    static final String DELETE_SCOPE = "delete_scope";
    static final String DELETE_NAMESPACE = "delete_namespace";
    /** An entry's state when history began (written by migration V005 only). */
    static final String BASELINE = "baseline";

    /** A restore of entry n takes this advisory lock (plus n): a deleted entry has no row to lock. */
    private static final long RESTORE_LOCK = 0x6b7a6e0500000000L;

    /**
     * The current state of the entries a condition over {@code k} (knowledge) selects, each as its
     * next version. Run after a change, and before a deletion (the entry as it was).
     */
    private static final String RECORD = """
            INSERT INTO knowledge_version (knowledge_id, version, action, principal, namespace, scope, content, context,
                                           task_size, suppressed, valid_until, created_at, created_by)
            SELECT k.id, coalesce((SELECT max(v.version) FROM knowledge_version v WHERE v.knowledge_id = k.id), 0) + 1,
                   ?, ?, s.namespace, s.canonical, t.content, t.context, k.task_size, k.suppressed, k.valid_until,
                   k.created_at, k.created_by
            FROM knowledge k
            JOIN knowledge_text t ON t.knowledge_id = k.id
            JOIN qualified_scope s ON s.id = k.scope_id
            WHERE\s""";

    private static final String SELECT_VERSIONS = """
            SELECT knowledge_id, version, action, principal, time, namespace, scope, content, context,
                   task_size::text AS task_size, suppressed, valid_until, created_at, created_by
            FROM knowledge_version
            """;

    private final Database database;

    KnowledgeHistory(Database database) {
        this.database = database;
    }

    /**
     * Records, as made by the caller with {@code action}, the current state of the entries that
     * {@code condition} (SQL over {@code k}, the knowledge table, with its parameters) selects.
     */
    static void record(DbExecute tx, String action, String condition, Object... parameters) {
        Object[] all = new Object[parameters.length + 2];
        all[0] = action;
        all[1] = Access.caller().name();
        System.arraycopy(parameters, 0, all, 2, parameters.length);
        Sql.update(tx, RECORD + condition, all);
    }

    GetKnowledgeHistoryResponse history(GetKnowledgeHistoryRequest request) {
        long id = Rules.id("id", request.getId());
        int size = request.getPageSize() == 0 ? Rules.HISTORY_PAGE_DEFAULT : Rules.historyPageSize("page_size",
                request.getPageSize());
        int before = request.getBeforeVersion() == 0 ? Integer.MAX_VALUE : Rules.version("before_version",
                request.getBeforeVersion());
        return database.inTransaction(db -> {
            DbRow newest = newest(db, id).orElseThrow(() -> noHistory(id));
            List<DbRow> rows = Sql.rows(db, SELECT_VERSIONS + """
                    WHERE knowledge_id = ? AND version < ?
                    ORDER BY version DESC
                    LIMIT ?""", id, before, size + 1);
            GetKnowledgeHistoryResponse.Builder response = GetKnowledgeHistoryResponse.newBuilder()
                    .setDeleted((Boolean) newest.column("deleted").get());
            for (DbRow row : rows.subList(0, Math.min(size, rows.size()))) {
                // an entry moved out of a namespace the caller may not read keeps those versions to itself
                if (Access.mayRead(Sql.string(row, "namespace"))) {
                    response.addVersions(version(row));
                }
            }
            if (rows.size() > size) {
                response.setNextPageBeforeVersion((int) Sql.number(rows.get(size - 1), "version"));
            }
            return response.build();
        });
    }

    RestoreKnowledgeResponse restore(RestoreKnowledgeRequest request) {
        long id = Rules.id("id", request.getId());
        Integer asked = request.hasVersion() ? Rules.version("version", request.getVersion()) : null;
        ScopeName into = request.hasScope() ? ScopeName.parse("scope", request.getScope()) : null;
        if (into != null) {
            Access.require(Grant.WRITE, into.namespace(), "restore knowledge into");
        }
        return database.inTransaction(tx -> {
            Sql.row(tx, "SELECT pg_advisory_xact_lock(?)", RESTORE_LOCK + id);
            Optional<String> current = Sql.row(tx, """
                            SELECT s.namespace FROM knowledge k JOIN qualified_scope s ON s.id = k.scope_id
                            WHERE k.id = ? FOR UPDATE OF k""", id)
                    .map(row -> Sql.string(row, "namespace"));
            DbRow newest = newest(tx, id).orElseThrow(() -> noHistory(id));
            if (current.isPresent()) {
                Access.require(Grant.WRITE, current.get(), "restore knowledge in");
                if (asked == null) {
                    throw Failures.invalidArgument("version", "version is missing: knowledge entry " + id + " exists, so "
                            + "give the version to make current again (get_knowledge_history lists them).");
                }
            }
            DbRow version = asked == null ? newest : Sql.row(tx, SELECT_VERSIONS + "WHERE knowledge_id = ? AND version = ?",
                            id, asked)
                    .filter(row -> Access.mayRead(Sql.string(row, "namespace")))
                    .orElseThrow(() -> Failures.notFound("version", "version " + asked + " does not exist: knowledge entry " + id
                            + " has versions 1-" + Sql.number(newest, "version") + "; get_knowledge_history lists them."));
            ScopeName scope = into != null ? into : ScopeName.parse("scope", Sql.string(version, "scope"));
            long scopeId = Sql.row(tx, "SELECT id FROM qualified_scope WHERE namespace = ? AND name = ?", scope.namespace(),
                            scope.name())
                    .map(row -> Sql.number(row, "id"))
                    .orElseThrow(() -> into != null ? Scopes.notFound("scope", into)
                            : Failures.failedPrecondition(Reason.SCOPE_GONE, "scope", "scope is missing: the entry's scope '"
                                    + scope + "' no longer exists. Give scope, an existing scope to restore the entry into "
                                    + "(create_scope can create '" + scope + "' again)."));
            Access.require(Grant.WRITE, scope.namespace(), "restore knowledge into");
            String content = Sql.string(version, "content");
            String context = Sql.string(version, "context");
            Object taskSize = Sql.value(version, "task_size");
            boolean suppressed = (Boolean) version.column("suppressed").get();
            // as it was then, even if that time has passed since: update_knowledge gives it a new one
            Object validUntil = Sql.value(version, "valid_until");
            if (current.isPresent()) {
                Sql.update(tx, "UPDATE knowledge_text SET content = ?, context = ? WHERE knowledge_id = ?", content, context, id);
                Sql.update(tx, """
                        UPDATE knowledge SET scope_id = ?, task_size = ?::task_size, suppressed = ?, valid_until = ?::timestamptz,
                                             search_vector = knowledge_search_vector(?, ?), updated_at = now(), updated_by = ?
                        WHERE id = ?""", scopeId, taskSize, suppressed, validUntil, context, content, Access.caller().name(),
                        id);
            } else {
                Sql.update(tx, """
                        INSERT INTO knowledge (id, scope_id, task_size, suppressed, valid_until, created_at, updated_at,
                                               created_by, updated_by, search_vector)
                        VALUES (?, ?, ?::task_size, ?, ?::timestamptz, ?, now(), ?, ?, knowledge_search_vector(?, ?))""",
                        id, scopeId, taskSize, suppressed, validUntil, version.column("created_at").get(),
                        Sql.string(version, "created_by"), Access.caller().name(), context, content);
                Sql.update(tx, "INSERT INTO knowledge_text (knowledge_id, context, content) VALUES (?, ?, ?)", id, context,
                        content);
            }
            record(tx, RESTORE, "k.id = ?", id);
            long restored = Sql.number(version, "version");
            Audit.record(tx, "knowledge.restore", scope.namespace(), String.valueOf(id), "version " + restored + " into " + scope);
            return RestoreKnowledgeResponse.newBuilder()
                    .setId(id)
                    .setScope(scope.toString())
                    .setVersion((int) Sql.number(newest, "version") + 1)
                    .setRestoredVersion((int) restored)
                    .build();
        });
    }

    /** Every action a version can record. */
    static final Set<String> ACTIONS = Set.of(WRITE, UPDATE, RESOLVE_CONFLICT, IMPORT, RESTORE, DELETE, DELETE_SCOPE,
            DELETE_NAMESPACE, BASELINE);
    /** Most versions one ImportKnowledge request carries. */
    static final int IMPORT_VERSIONS_MAX = 10_000;

    private static final String INSERT_VERSION = """
            INSERT INTO knowledge_version (knowledge_id, version, action, principal, time, namespace, scope, content,
                                           context, task_size, suppressed, created_at, created_by, valid_until)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::task_size, ?, ?, ?, ?)""";

    /**
     * Checks the histories of an ImportKnowledge request with {@code entries} entries: each refers to
     * one of them at most once (or to none: a deleted entry), and each version holds what a version
     * can hold.
     */
    static void checkImported(List<ImportedHistory> histories, int entries) {
        if (histories.size() > Rules.IMPORT_BATCH_MAX) {
            throw Failures.invalidArgument("histories", "histories has " + histories.size() + " items: give at most "
                    + Rules.IMPORT_BATCH_MAX + " per batch.");
        }
        Set<Integer> seen = new java.util.HashSet<>();
        int versions = 0;
        for (int i = 0; i < histories.size(); i++) {
            ImportedHistory history = histories.get(i);
            String argument = "histories[" + i + "]";
            if (history.hasEntry() && (history.getEntry() < 0 || history.getEntry() >= entries
                    || !seen.add(history.getEntry()))) {
                throw Failures.invalidArgument(argument + ".entry", argument + ".entry " + history.getEntry()
                        + " is not the index of an entry of this request without another history: give 0-"
                        + (entries - 1) + ", each at most once, or leave it out for a deleted entry.");
            }
            if (history.getVersionsCount() == 0) {
                throw Failures.invalidArgument(argument + ".versions", argument + ".versions is empty: give the entry's "
                        + "versions, oldest first, or leave the history out.");
            }
            versions += history.getVersionsCount();
            for (int j = 0; j < history.getVersionsCount(); j++) {
                KnowledgeVersion version = history.getVersions(j);
                String at = argument + ".versions[" + j + "].";
                if (!ACTIONS.contains(version.getAction())) {
                    throw Failures.invalidArgument(at + "action", at + "action " + Rules.quote(version.getAction())
                            + " is not an action of history: use one of " + String.join(", ", new java.util.TreeSet<>(ACTIONS))
                            + ".");
                }
                if (!version.hasTime()) {
                    throw Failures.invalidArgument(at + "time", at + "time is missing: give when the version was made.");
                }
                Rules.timestamp(at + "time", version.getTime().getSeconds(), version.getTime().getNanos());
                ScopeName.parse(at + "scope", version.getScope());
                Rules.content(at + "content", version.getContent());
                Rules.context(at + "context", version.getContext());
                TaskSizes.toDatabase(version.getTaskSize());
            }
        }
        if (versions > IMPORT_VERSIONS_MAX) {
            throw Failures.invalidArgument("histories", "histories hold " + versions + " versions: give at most "
                    + IMPORT_VERSIONS_MAX + " per batch.");
        }
    }

    /** Stores checked {@code versions} as the history of entry {@code id}, numbered from 1, before anything it has. */
    static void importVersions(DbExecute tx, long id, List<KnowledgeVersion> versions) {
        KnowledgeVersion first = versions.getFirst();
        for (int i = 0; i < versions.size(); i++) {
            KnowledgeVersion version = versions.get(i);
            ScopeName scope = ScopeName.parse("scope", version.getScope());
            Sql.update(tx, INSERT_VERSION, id, i + 1, version.getAction(), version.getPrincipal(),
                    KnowledgeService.timestamp(version.getTime()), scope.namespace(), scope.toString(), version.getContent(),
                    version.getContext(), TaskSizes.toDatabase(version.getTaskSize()), version.getSuppressed(),
                    KnowledgeService.timestamp(first.getTime()), first.getPrincipal(),
                    version.hasValidUntil() ? KnowledgeService.timestamp(version.getValidUntil()) : null);
        }
    }

    /**
     * Stores a deleted entry's checked {@code versions} under a new id, which it answers; empty when a
     * version with its newest one's time, action, scope and content is held already (imported before).
     */
    static Optional<Long> importDeleted(DbExecute tx, List<KnowledgeVersion> versions) {
        KnowledgeVersion newest = versions.getLast();
        if (Sql.row(tx, "SELECT 1 FROM knowledge_version WHERE time = ? AND action = ? AND scope = ? AND content = ?",
                KnowledgeService.timestamp(newest.getTime()), newest.getAction(), newest.getScope(), newest.getContent()).isPresent()) {
            return Optional.empty();
        }
        long id = Sql.row(tx, "SELECT nextval(pg_get_serial_sequence('knowledge', 'id')) AS id")
                .map(row -> Sql.number(row, "id")).orElseThrow();
        importVersions(tx, id, versions);
        return Optional.of(id);
    }

    /** The versions of entries {@code ids}, oldest first, that the caller may read. */
    static java.util.Map<Long, List<KnowledgeVersion>> versions(DbExecute db, List<Long> ids) {
        java.util.Map<Long, List<KnowledgeVersion>> versions = new java.util.HashMap<>();
        for (DbRow row : Sql.rows(db, SELECT_VERSIONS + "WHERE knowledge_id = ANY (?) ORDER BY knowledge_id, version",
                (Object) ids.toArray(Long[]::new))) {
            if (Access.mayRead(Sql.string(row, "namespace"))) {
                versions.computeIfAbsent(Sql.number(row, "knowledge_id"), id -> new java.util.ArrayList<>()).add(version(row));
            }
        }
        return versions;
    }

    /**
     * A page of deleted entries' ids after {@code after}: entries with history and no row, whose newest
     * version is in {@code namespace} (any when null).
     */
    static List<Long> deletedAfter(DbExecute db, long after, String namespace, int limit) {
        return Sql.rows(db, """
                        SELECT v.knowledge_id FROM knowledge_version v
                        WHERE v.knowledge_id > ?
                          AND v.version = (SELECT max(w.version) FROM knowledge_version w WHERE w.knowledge_id = v.knowledge_id)
                          AND v.namespace = coalesce(?, v.namespace)
                          AND NOT EXISTS (SELECT 1 FROM knowledge k WHERE k.id = v.knowledge_id)
                        ORDER BY v.knowledge_id
                        LIMIT ?""", after, namespace, limit).stream()
                .map(row -> Sql.number(row, "knowledge_id")).toList();
    }

    /**
     * Removes each entry and all its versions for real, in one transaction, under the lock a restore
     * takes (in id order, so two purges never deadlock); audited without content.
     */
    PurgeKnowledgeResponse purge(PurgeKnowledgeRequest request) {
        Set<Long> ids = KnowledgeService.ids("ids", request.getIdsList());
        Access.requireServerAdmin("purge knowledge");
        return database.inTransaction(tx -> {
            for (long id : new TreeSet<>(ids)) {
                Sql.row(tx, "SELECT pg_advisory_xact_lock(?)", RESTORE_LOCK + id);
            }
            PurgeKnowledgeResponse.Builder response = PurgeKnowledgeResponse.newBuilder();
            for (long id : ids) {
                Optional<String> namespace = Sql.row(tx, """
                                SELECT coalesce((SELECT s.namespace FROM knowledge k JOIN qualified_scope s ON s.id = k.scope_id
                                                 WHERE k.id = ?),
                                                (SELECT namespace FROM knowledge_version WHERE knowledge_id = ?
                                                 ORDER BY version DESC LIMIT 1)) AS namespace""", id, id)
                        .map(row -> Sql.string(row, "namespace"));
                boolean entry = Sql.update(tx, "DELETE FROM knowledge WHERE id = ?", id) > 0;
                long versions = Sql.update(tx, "DELETE FROM knowledge_version WHERE knowledge_id = ?", id);
                if (entry || versions > 0) {
                    Audit.record(tx, "knowledge.purge", namespace.orElse(null), String.valueOf(id),
                            (entry ? "the entry and " : "") + versions + " versions");
                }
                response.addPurged(PurgedKnowledge.newBuilder().setId(id).setEntryRemoved(entry)
                        .setVersionsRemoved((int) versions));
            }
            return response.build();
        });
    }

    /**
     * The newest version of entry {@code id} with whether the entry is deleted now; empty when it has
     * none, or when the caller may not read the namespace it was last in (as if it did not exist).
     */
    private static Optional<DbRow> newest(DbExecute db, long id) {
        return Sql.row(db, SELECT_VERSIONS.replace("FROM knowledge_version", """
                               , NOT EXISTS (SELECT 1 FROM knowledge k WHERE k.id = knowledge_id) AS deleted
                        FROM knowledge_version""") + """
                        WHERE knowledge_id = ?
                        ORDER BY version DESC
                        LIMIT 1""", id)
                .filter(row -> Access.mayRead(Sql.string(row, "namespace")));
    }

    private static RuntimeException noHistory(long id) {
        return Failures.notFound("id", "id: knowledge entry " + id + " does not exist and has no history: it never existed, or "
                + "its history was purged; search with get_task_context for current ids.");
    }

    private static KnowledgeVersion version(DbRow row) {
        KnowledgeVersion.Builder version = KnowledgeVersion.newBuilder()
                .setId(Sql.number(row, "knowledge_id"))
                .setVersion((int) Sql.number(row, "version"))
                .setAction(Sql.string(row, "action"))
                .setPrincipal(Sql.string(row, "principal"))
                .setTime(KnowledgeService.protoTime(row, "time"))
                .setScope(Sql.string(row, "scope"))
                .setContent(Sql.string(row, "content"))
                .setContext(Sql.string(row, "context"))
                .setTaskSize(TaskSizes.fromDatabase(Sql.string(row, "task_size")))
                .setSuppressed((Boolean) row.column("suppressed").get());
        if (Sql.value(row, "valid_until") != null) {
            version.setValidUntil(KnowledgeService.protoTime(row, "valid_until"));
        }
        return version.build();
    }
}
