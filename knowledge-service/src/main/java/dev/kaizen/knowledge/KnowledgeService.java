package dev.kaizen.knowledge;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

import dev.kaizen.api.Rules;
import dev.kaizen.api.v1.DeleteKnowledgeRequest;
import dev.kaizen.api.v1.DeleteKnowledgeResponse;
import dev.kaizen.api.v1.ExportKnowledgeRequest;
import dev.kaizen.api.v1.ExportKnowledgeResponse;
import dev.kaizen.api.v1.GetKnowledgeRequest;
import dev.kaizen.api.v1.GetKnowledgeResponse;
import dev.kaizen.api.v1.GetTaskContextRequest;
import dev.kaizen.api.v1.GetTaskContextResponse;
import dev.kaizen.api.v1.ImportKnowledgeRequest;
import dev.kaizen.api.v1.ImportKnowledgeResponse;
import dev.kaizen.api.v1.ImportedHistory;
import dev.kaizen.api.v1.KnowledgeEntry;
import dev.kaizen.api.v1.KnowledgeVersion;
import dev.kaizen.api.v1.KnowledgeServiceGrpc;
import dev.kaizen.api.v1.ResolveKnowledgeConflictRequest;
import dev.kaizen.api.v1.ResolveKnowledgeConflictResponse;
import dev.kaizen.api.v1.SimilarEntry;
import dev.kaizen.api.v1.UpdateKnowledgeRequest;
import dev.kaizen.api.v1.UpdateKnowledgeResponse;
import dev.kaizen.api.v1.WriteKnowledgeRequest;
import dev.kaizen.api.v1.WriteKnowledgeResponse;
import dev.kaizen.identity.Grant;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;

/**
 * kaizen.v1.KnowledgeService: knowledge entries, conflict resolution, the task-context search; their
 * history ({@link KnowledgeHistory}) and the review of stale entries ({@link KnowledgeReview}).
 */
final class KnowledgeService implements BindableService {
    /** Rows per page of ExportKnowledge: memory stays flat however large the knowledge base. */
    private static final int EXPORT_PAGE = 500;

    /** A whole entry: its row, its text and its scope's canonical name. */
    private static final String SELECT_ENTRIES = """
            SELECT k.id, s.canonical AS scope, s.namespace, t.content, t.context, k.task_size::text AS task_size,
                   k.suppressed, k.created_at, k.updated_at, k.created_by, k.updated_by, k.valid_until,
                   coalesce(knowledge_expired(k.valid_until), false) AS expired
            FROM knowledge k
            JOIN knowledge_text t ON t.knowledge_id = k.id
            JOIN qualified_scope s ON s.id = k.scope_id
            """;

    /**
     * Stores one entry, its row and its text, in the scope named by (namespace, name): no row back
     * means no such scope. See {@link #insert} for the parameters.
     */
    private static final String INSERT_ENTRY = """
            WITH entry AS (
                INSERT INTO knowledge (scope_id, task_size, suppressed, created_at, updated_at, created_by, updated_by,
                                       valid_until, search_vector)
                SELECT s.id, ?::task_size, ?, coalesce(?, now()), coalesce(?, now()), ?, ?, ?, knowledge_search_vector(?, ?)
                FROM qualified_scope s WHERE s.namespace = ? AND s.name = ?
                RETURNING id)
            INSERT INTO knowledge_text (knowledge_id, context, content)
            SELECT id, ?, ? FROM entry
            RETURNING knowledge_id""";

    private final Database database;
    /** Search by meaning, or null when this replica runs without it. */
    private final SemanticRecall semantic;
    private final KnowledgeHistory history;
    private final KnowledgeReview review;

    KnowledgeService(Database database, SemanticRecall semantic) {
        this.database = database;
        this.semantic = semantic;
        this.history = new KnowledgeHistory(database);
        this.review = new KnowledgeReview(database);
    }

    @Override
    public ServerServiceDefinition bindService() {
        return Rpc.service(KnowledgeServiceGrpc.getServiceDescriptor())
                .unary(KnowledgeServiceGrpc.getWriteKnowledgeMethod(), this::writeKnowledge)
                .unary(KnowledgeServiceGrpc.getUpdateKnowledgeMethod(), this::updateKnowledge)
                .unary(KnowledgeServiceGrpc.getDeleteKnowledgeMethod(), this::deleteKnowledge)
                .unary(KnowledgeServiceGrpc.getGetKnowledgeMethod(), this::getKnowledge)
                .unary(KnowledgeServiceGrpc.getResolveKnowledgeConflictMethod(), this::resolveKnowledgeConflict)
                .unary(KnowledgeServiceGrpc.getGetTaskContextMethod(), this::getTaskContext)
                .serverStream(KnowledgeServiceGrpc.getExportKnowledgeMethod(), this::exportKnowledge)
                .unary(KnowledgeServiceGrpc.getImportKnowledgeMethod(), this::importKnowledge)
                .unary(KnowledgeServiceGrpc.getGetKnowledgeHistoryMethod(), history::history)
                .unary(KnowledgeServiceGrpc.getRestoreKnowledgeMethod(), history::restore)
                .unary(KnowledgeServiceGrpc.getPurgeKnowledgeMethod(), history::purge)
                .unary(KnowledgeServiceGrpc.getListStaleKnowledgeMethod(), review::listStale)
                .build();
    }

    /** Who wrote an entry, for {@link #insert}: by default the caller. */
    private record Attribution(String createdBy, String updatedBy) {
        static Attribution caller() {
            String name = Access.caller().name();
            return new Attribution(name, name);
        }
    }

    private WriteKnowledgeResponse writeKnowledge(WriteKnowledgeRequest request) {
        ScopeName scope = ScopeName.parse("scope", request.getScope());
        String content = Rules.content("content", request.getContent());
        String context = Rules.context("context", request.getContext());
        String taskSize = TaskSizes.toDatabase(request.getTaskSize());
        boolean skipIfSimilar = switch (request.getIfSimilar()) {
            case IF_SIMILAR_UNSPECIFIED, IF_SIMILAR_WRITE -> false;
            case IF_SIMILAR_SKIP -> true;
            case UNRECOGNIZED -> throw Failures.invalidArgument("if_similar", "if_similar " + request.getIfSimilarValue()
                    + " is not known: use IF_SIMILAR_WRITE (write and report near-duplicates) or IF_SIMILAR_SKIP.");
        };
        Timestamp validUntil = request.hasValidUntil() ? validUntil("valid_until", request.getValidUntil(), Instant.now()) : null;
        Access.require(Grant.WRITE, scope.namespace(), "write knowledge in");
        return database.inTransaction(tx -> {
            List<SimilarEntry> similar = NearDuplicates.of(tx, scope, content);
            WriteKnowledgeResponse.Builder response = WriteKnowledgeResponse.newBuilder().addAllSimilar(similar);
            if (skipIfSimilar && !similar.isEmpty()) {
                return response.setId(similar.getFirst().getId()).setScope(similar.getFirst().getScope())
                        .setWritten(false).build();
            }
            long written = insert(tx, scope, content, context, taskSize, false, null, null, validUntil, Attribution.caller())
                    .orElseThrow(() -> Scopes.notFound("scope", scope));
            KnowledgeHistory.record(tx, KnowledgeHistory.WRITE, "k.id = ?", written);
            Audit.record(tx, "knowledge.write", scope.namespace(), String.valueOf(written), "in " + scope);
            return response.setId(written).setScope(scope.toString()).setWritten(true).build();
        });
    }

    private UpdateKnowledgeResponse updateKnowledge(UpdateKnowledgeRequest request) {
        long id = Rules.id("id", request.getId());
        String content = request.hasContent() ? Rules.content("content", request.getContent()) : null;
        String context = request.hasContext() ? Rules.context("context", request.getContext()) : null;
        ScopeName scope = request.hasScope() ? ScopeName.parse("scope", request.getScope()) : null;
        String taskSize = request.hasTaskSize() ? TaskSizes.toDatabase(request.getTaskSize()) : null;
        if (request.hasValidUntil() && request.getClearValidUntil()) {
            throw Failures.invalidArgument("clear_valid_until", "clear_valid_until is true and valid_until is set: give "
                    + "valid_until to change it, or clear_valid_until to remove it, not both.");
        }
        Timestamp validUntil = request.hasValidUntil() ? validUntil("valid_until", request.getValidUntil(), Instant.now()) : null;
        boolean changesValidUntil = request.hasValidUntil() || request.getClearValidUntil();
        if (content == null && context == null && scope == null && !request.hasTaskSize() && !changesValidUntil) {
            throw Failures.invalidArgument(null, "Nothing to change: give content, context, scope, task_size, valid_until "
                    + "or several of them.");
        }
        if (scope != null) {
            Access.require(Grant.WRITE, scope.namespace(), "move knowledge into");
        }
        String newScope = database.inTransaction(tx -> {
            String namespace = lockWritable(tx, "id", id, "change knowledge in");
            Long scopeId = scope == null ? null : Scopes.id(tx, "scope", scope);
            String canonical = Sql.row(tx, """
                            WITH text AS (
                                UPDATE knowledge_text SET content = coalesce(?, content), context = coalesce(?, context)
                                WHERE knowledge_id = ?
                                RETURNING knowledge_id, content, context),
                            changed AS (
                                UPDATE knowledge k SET scope_id = coalesce(?, k.scope_id),
                                                       task_size = CASE WHEN ? THEN ?::task_size ELSE k.task_size END,
                                                       valid_until = CASE WHEN ? THEN ?::timestamptz ELSE k.valid_until END,
                                                       search_vector = knowledge_search_vector(text.context, text.content),
                                                       updated_at = now(), updated_by = ?
                                FROM text WHERE k.id = text.knowledge_id
                                RETURNING k.scope_id)
                            SELECT s.canonical FROM changed JOIN qualified_scope s ON s.id = changed.scope_id""",
                            content, context, id, scopeId, request.hasTaskSize(), taskSize, changesValidUntil, validUntil,
                            Access.caller().name())
                    .map(row -> Sql.string(row, "canonical"))
                    .orElseThrow(() -> entriesNotFound("id", List.of(id)));
            KnowledgeHistory.record(tx, KnowledgeHistory.UPDATE, "k.id = ?", id);
            Audit.record(tx, "knowledge.update", namespace, String.valueOf(id), scope == null ? "" : "moved to " + scope);
            return canonical;
        });
        return UpdateKnowledgeResponse.newBuilder().setId(id).setScope(newScope).build();
    }

    private DeleteKnowledgeResponse deleteKnowledge(DeleteKnowledgeRequest request) {
        long id = Rules.id("id", request.getId());
        database.inTransaction(tx -> {
            String namespace = lockWritable(tx, "id", id, "delete knowledge in");
            KnowledgeHistory.record(tx, KnowledgeHistory.DELETE, "k.id = ?", id);
            Sql.update(tx, "DELETE FROM knowledge WHERE id = ?", id);
            Audit.record(tx, "knowledge.delete", namespace, String.valueOf(id), "");
            return null;
        });
        return DeleteKnowledgeResponse.newBuilder().setId(id).build();
    }

    private GetKnowledgeResponse getKnowledge(GetKnowledgeRequest request) {
        Set<Long> ids = ids("ids", request.getIdsList());
        Map<Long, KnowledgeEntry> found = new HashMap<>();
        for (DbRow row : database.read(db -> Sql.rows(db, SELECT_ENTRIES + "WHERE k.id = ANY (?)", toArray(ids)))) {
            if (Access.mayRead(Sql.string(row, "namespace"))) {
                KnowledgeEntry entry = entry(row);
                found.put(entry.getId(), entry);
            }
        }
        List<Long> missing = ids.stream().filter(id -> !found.containsKey(id)).toList();
        if (!missing.isEmpty()) {
            throw entriesNotFound("ids", missing);
        }
        return GetKnowledgeResponse.newBuilder().addAllEntries(ids.stream().map(found::get).toList()).build();
    }

    private ResolveKnowledgeConflictResponse resolveKnowledgeConflict(ResolveKnowledgeConflictRequest request) {
        long active = Rules.id("active_id", request.getActiveId());
        Set<Long> suppressed = ids("suppressed_ids", request.getSuppressedIdsList());
        if (suppressed.contains(active)) {
            throw Failures.invalidArgument("active_id", "active_id " + active + " is also in suppressed_ids: the entry that stays "
                    + "visible cannot be suppressed; remove it from suppressed_ids.");
        }
        Set<Long> all = new LinkedHashSet<>(suppressed);
        all.add(active);
        database.inTransaction(tx -> {
            Map<Long, String> locked = new HashMap<>();
            for (DbRow row : Sql.rows(tx, """
                    SELECT k.id, s.namespace FROM knowledge k JOIN qualified_scope s ON s.id = k.scope_id
                    WHERE k.id = ANY (?) ORDER BY k.id FOR UPDATE OF k""", toArray(all))) {
                if (Access.mayRead(Sql.string(row, "namespace"))) {
                    locked.put(Sql.number(row, "id"), Sql.string(row, "namespace"));
                }
            }
            List<Long> missing = all.stream().filter(id -> !locked.containsKey(id)).toList();
            if (!missing.isEmpty()) {
                throw entriesNotFound(missing.contains(active) ? "active_id" : "suppressed_ids", missing);
            }
            Set<String> namespaces = new java.util.TreeSet<>(locked.values());
            namespaces.forEach(namespace -> Access.require(Grant.WRITE, namespace, "resolve conflicts of knowledge in"));
            // the latest decision wins: the active entry is visible even if an earlier one hid it
            Sql.update(tx, "UPDATE knowledge SET suppressed = (id <> ?), updated_at = now() WHERE id = ANY (?)",
                    active, toArray(all));
            KnowledgeHistory.record(tx, KnowledgeHistory.RESOLVE_CONFLICT, "k.id = ANY (?)", toArray(all));
            Sql.update(tx, "INSERT INTO knowledge_conflict_resolution (active_id, suppressed_ids, resolved_by) VALUES (?, ?, ?)",
                    active, toArray(suppressed), Access.caller().name());
            for (String namespace : namespaces) {
                Audit.record(tx, "knowledge.resolve_conflict", namespace, String.valueOf(active), "suppressed " + suppressed);
            }
            return null;
        });
        return ResolveKnowledgeConflictResponse.newBuilder().setActiveId(active).addAllSuppressedIds(suppressed).build();
    }

    private GetTaskContextResponse getTaskContext(GetTaskContextRequest request) {
        List<String> queries = Rules.queries("queries", request.getQueriesList());
        ScopeName scope = ScopeName.parse("scope", request.getScope());
        String taskSize = TaskSizes.toDatabase(request.getTaskSize());
        TaskContextPage page = new TaskContextPage(request.hasMaxTokens() ? Rules.maxTokens("max_tokens",
                request.getMaxTokens()) : null, Rules.offset("offset", request.getOffset()), queries);
        Access.require(Grant.READ, scope.namespace(), "search");
        if (semantic != null) {
            // the model runs before the transaction: no connection waits for it
            semantic.prepare(queries);
        }
        return database.read(db -> TaskContextSearch.search(db, scope, queries, taskSize, page, Access::mayRead,
                semantic));
    }

    private void exportKnowledge(ExportKnowledgeRequest request, Consumer<ExportKnowledgeResponse> responses) {
        String namespace = request.hasNamespace() ? Rules.name("namespace", request.getNamespace()) : null;
        if (namespace != null) {
            Access.require(Grant.READ, namespace, "export");
        }
        if (namespace != null && database.inTransaction(db -> Sql.row(db, "SELECT 1 FROM namespace WHERE name = ?", namespace))
                .isEmpty()) {
            throw NamespaceService.namespaceNotFound("namespace", namespace);
        }
        boolean withHistory = request.getWithHistory();
        long after = 0;
        while (true) {
            long from = after;
            record Page(List<DbRow> rows, Map<Long, List<KnowledgeVersion>> versions) {
            }
            Page page = database.inTransaction(db -> {
                List<DbRow> rows = Sql.rows(db, SELECT_ENTRIES + """
                        WHERE k.id > ? AND s.namespace = coalesce(?, s.namespace)
                        ORDER BY k.id
                        LIMIT ?""", from, namespace, EXPORT_PAGE);
                return new Page(rows, withHistory ? KnowledgeHistory.versions(db, rows.stream()
                        .map(row -> Sql.number(row, "id")).toList()) : Map.of());
            });
            for (DbRow row : page.rows()) {
                KnowledgeEntry entry = entry(row);
                if (Access.mayRead(Sql.string(row, "namespace"))) {
                    responses.accept(ExportKnowledgeResponse.newBuilder().setEntry(entry)
                            .addAllVersions(page.versions().getOrDefault(entry.getId(), List.of())).build());
                }
                after = entry.getId();
            }
            if (page.rows().size() < EXPORT_PAGE) {
                break;
            }
        }
        // the deleted entries' history, as GetKnowledgeHistory shows it to the caller
        after = 0;
        while (withHistory) {
            long from = after;
            record Deleted(List<Long> ids, Map<Long, List<KnowledgeVersion>> versions) {
            }
            Deleted page = database.inTransaction(db -> {
                List<Long> ids = KnowledgeHistory.deletedAfter(db, from, namespace, EXPORT_PAGE);
                return new Deleted(ids, KnowledgeHistory.versions(db, ids));
            });
            List<Long> ids = page.ids();
            Map<Long, List<KnowledgeVersion>> deleted = page.versions();
            for (long id : ids) {
                if (deleted.containsKey(id)) {
                    responses.accept(ExportKnowledgeResponse.newBuilder().addAllVersions(deleted.get(id)).build());
                }
            }
            if (ids.size() < EXPORT_PAGE) {
                return;
            }
            after = ids.getLast();
        }
    }

    private ImportKnowledgeResponse importKnowledge(ImportKnowledgeRequest request) {
        List<KnowledgeEntry> entries = request.getEntriesList();
        List<ImportedHistory> histories = request.getHistoriesList();
        if ((entries.isEmpty() && histories.isEmpty()) || entries.size() > Rules.IMPORT_BATCH_MAX) {
            throw Failures.invalidArgument("entries", "entries has " + entries.size() + " entries: give 1-"
                    + Rules.IMPORT_BATCH_MAX + " per batch.");
        }
        record Checked(ScopeName scope, String content, String context, String taskSize, Timestamp validUntil,
                       KnowledgeEntry entry) {
        }
        List<Checked> checked = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            KnowledgeEntry entry = entries.get(i);
            String argument = "entries[" + i + "].";
            if (entry.hasCreateTime()) {
                Rules.timestamp(argument + "create_time", entry.getCreateTime().getSeconds(), entry.getCreateTime().getNanos());
            }
            if (entry.hasUpdateTime()) {
                Rules.timestamp(argument + "update_time", entry.getUpdateTime().getSeconds(), entry.getUpdateTime().getNanos());
            }
            ScopeName scope = ScopeName.parse(argument + "scope", entry.getScope());
            Access.require(Grant.WRITE, scope.namespace(), "import knowledge into");
            checked.add(new Checked(scope,
                    Rules.content(argument + "content", entry.getContent()),
                    Rules.context(argument + "context", entry.getContext()),
                    TaskSizes.toDatabase(entry.getTaskSize()),
                    // a backup brings an entry back as it was: expired too
                    entry.hasValidUntil() ? validUntil(argument + "valid_until", entry.getValidUntil(), null) : null, entry));
        }
        if (!histories.isEmpty()) {
            Access.requireServerAdmin("import knowledge history (it names who made each change)");
            KnowledgeHistory.checkImported(histories, entries.size());
        }
        Map<Integer, List<KnowledgeVersion>> historyOf = new HashMap<>();
        histories.stream().filter(ImportedHistory::hasEntry)
                .forEach(history -> historyOf.put(history.getEntry(), history.getVersionsList()));
        // a server-wide admin restores a backup as it was; anyone else is recorded as the writer
        boolean restore = Access.caller().serverAdmin();
        return database.inTransaction(tx -> {
            ImportKnowledgeResponse.Builder response = ImportKnowledgeResponse.newBuilder();
            List<Long> stored = new ArrayList<>(checked.size());
            Map<String, Integer> perNamespace = new java.util.TreeMap<>();
            Map<String, Integer> deletedPerNamespace = new java.util.TreeMap<>();
            for (int i = 0; i < checked.size(); i++) {
                Checked entry = checked.get(i);
                Optional<Long> present = Sql.row(tx, """
                                SELECT k.id FROM knowledge k JOIN knowledge_text t ON t.knowledge_id = k.id
                                WHERE md5(t.content) = md5(?) AND t.content = ? AND t.context = ?
                                  AND k.scope_id = (SELECT id FROM qualified_scope WHERE namespace = ? AND name = ?)
                                ORDER BY k.id LIMIT 1""",
                        entry.content(), entry.content(), entry.context(), entry.scope().namespace(), entry.scope().name())
                        .map(row -> Sql.number(row, "id"));
                if (present.isPresent()) {
                    response.addIds(present.get()).addPresent(true);
                    continue;
                }
                Timestamp created = entry.entry().hasCreateTime() ? timestamp(entry.entry().getCreateTime()) : null;
                Timestamp updated = entry.entry().hasUpdateTime() ? timestamp(entry.entry().getUpdateTime()) : created;
                String argument = "entries[" + i + "].scope";
                Attribution attribution = restore && !entry.entry().getCreatedBy().isEmpty()
                        ? new Attribution(entry.entry().getCreatedBy(), entry.entry().getUpdatedBy().isEmpty()
                                ? entry.entry().getCreatedBy() : entry.entry().getUpdatedBy())
                        : Attribution.caller();
                long id = insert(tx, entry.scope(), entry.content(), entry.context(), entry.taskSize(),
                        entry.entry().getSuppressed(), created, updated, entry.validUntil(), attribution)
                        .orElseThrow(() -> Scopes.notFound(argument, entry.scope()));
                if (historyOf.containsKey(i)) {
                    KnowledgeHistory.importVersions(tx, id, historyOf.get(i));
                }
                stored.add(id);
                response.addIds(id).addPresent(false);
                perNamespace.merge(entry.scope().namespace(), 1, Integer::sum);
            }
            if (!stored.isEmpty()) {
                KnowledgeHistory.record(tx, KnowledgeHistory.IMPORT, "k.id = ANY (?)", (Object) stored.toArray(Long[]::new));
            }
            for (ImportedHistory history : histories) {
                if (!history.hasEntry()) {
                    KnowledgeHistory.importDeleted(tx, history.getVersionsList()).ifPresent(id -> {
                        response.addDeletedIds(id);
                        deletedPerNamespace.merge(ScopeName.parse("scope", history.getVersions(
                                history.getVersionsCount() - 1).getScope()).namespace(), 1, Integer::sum);
                    });
                }
            }
            perNamespace.forEach((namespace, count) -> Audit.record(tx, "knowledge.import", namespace, namespace,
                    count + " entries"));
            deletedPerNamespace.forEach((namespace, count) -> Audit.record(tx, "knowledge.import", namespace, namespace,
                    "the history of " + count + " deleted entries"));
            return response.build();
        });
    }

    /** Stores an entry; empty when the scope does not exist. */
    private static Optional<Long> insert(DbExecute db, ScopeName scope, String content, String context,
                                         String taskSize, boolean suppressed, Timestamp created, Timestamp updated,
                                         Timestamp validUntil, Attribution attribution) {
        return Sql.row(db, INSERT_ENTRY, taskSize, suppressed, created, updated, attribution.createdBy(),
                        attribution.updatedBy(), validUntil, context, content, scope.namespace(), scope.name(), context,
                        content)
                .map(row -> Sql.number(row, "knowledge_id"));
    }

    private static KnowledgeEntry entry(DbRow row) {
        KnowledgeEntry.Builder entry = KnowledgeEntry.newBuilder()
                .setId(Sql.number(row, "id"))
                .setScope(Sql.string(row, "scope"))
                .setContent(Sql.string(row, "content"))
                .setContext(Sql.string(row, "context"))
                .setTaskSize(TaskSizes.fromDatabase(Sql.string(row, "task_size")))
                .setSuppressed((Boolean) row.column("suppressed").get())
                .setCreateTime(protoTime(row, "created_at"))
                .setUpdateTime(protoTime(row, "updated_at"))
                .setCreatedBy(Sql.string(row, "created_by"))
                .setUpdatedBy(Sql.string(row, "updated_by"))
                .setExpired((Boolean) row.column("expired").get());
        if (Sql.value(row, "valid_until") != null) {
            entry.setValidUntil(protoTime(row, "valid_until"));
        }
        return entry.build();
    }

    /** The time in {@code column} (not null) as protobuf's Timestamp. */
    static com.google.protobuf.Timestamp protoTime(DbRow row, String column) {
        Instant instant = ((Timestamp) row.column(column).get()).toInstant();
        return com.google.protobuf.Timestamp.newBuilder()
                .setSeconds(instant.getEpochSecond())
                .setNanos(instant.getNano())
                .build();
    }

    static Timestamp timestamp(com.google.protobuf.Timestamp time) {
        return Timestamp.from(Instant.ofEpochSecond(time.getSeconds(), time.getNanos()));
    }

    /** A valid_until checked by {@link Rules#validUntil} (after {@code now}, unless null), for SQL. */
    private static Timestamp validUntil(String argument, com.google.protobuf.Timestamp time, Instant now) {
        return Timestamp.from(Rules.validUntil(argument, time.getSeconds(), time.getNanos(), now));
    }

    /** Checks a list of ids: 1 to {@link Rules#IDS_MAX}, each positive; returns them without repeats. */
    static Set<Long> ids(String argument, List<Long> requested) {
        Rules.idCount(argument, requested.size(), Rules.IDS_MAX);
        Set<Long> ids = new LinkedHashSet<>();
        for (int i = 0; i < requested.size(); i++) {
            ids.add(Rules.id(argument + "[" + i + "]", requested.get(i)));
        }
        return ids;
    }

    /** The ids as one SQL bigint[] parameter (typed Object so varargs never spread it). */
    private static Object toArray(Set<Long> ids) {
        return ids.toArray(Long[]::new);
    }

    /**
     * Locks entry {@code id} and returns its namespace, where the caller must hold write to do
     * {@code what}. An entry the caller may not read is not found, as if it did not exist.
     */
    private static String lockWritable(DbExecute tx, String argument, long id, String what) {
        String namespace = Sql.row(tx, """
                        SELECT s.namespace FROM knowledge k JOIN qualified_scope s ON s.id = k.scope_id
                        WHERE k.id = ? FOR UPDATE OF k""", id)
                .map(row -> Sql.string(row, "namespace"))
                .filter(Access::mayRead)
                .orElseThrow(() -> entriesNotFound(argument, List.of(id)));
        Access.require(Grant.WRITE, namespace, what);
        return namespace;
    }

    private static RuntimeException entriesNotFound(String argument, List<Long> ids) {
        return Failures.notFound(argument, argument + (ids.size() == 1 ? ": knowledge entry " + ids.getFirst() + " does not exist"
                : ": knowledge entries " + ids + " do not exist") + "; it may have been deleted: search again "
                + "with get_task_context for current ids (get_knowledge_history shows a deleted entry, restore_knowledge "
                + "brings it back).");
    }
}
