package dev.kaizen.launcher;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

import com.google.rpc.BadRequest;
import dev.kaizen.api.ErrorDetails;
import dev.kaizen.api.Headers;
import dev.kaizen.api.Rules;
import dev.kaizen.api.v1.CreateNamespaceRequest;
import dev.kaizen.api.v1.CreateScopeRequest;
import dev.kaizen.api.v1.ExportKnowledgeRequest;
import dev.kaizen.api.v1.ExportKnowledgeResponse;
import dev.kaizen.api.v1.ImportKnowledgeRequest;
import dev.kaizen.api.v1.ImportKnowledgeResponse;
import dev.kaizen.api.v1.ImportedHistory;
import dev.kaizen.api.v1.KnowledgeEntry;
import dev.kaizen.api.v1.KnowledgeServiceGrpc;
import dev.kaizen.api.v1.KnowledgeVersion;
import dev.kaizen.api.v1.ListNamespacesRequest;
import dev.kaizen.api.v1.Namespace;
import dev.kaizen.api.v1.NamespaceServiceGrpc;
import dev.kaizen.api.v1.NamespaceView;
import dev.kaizen.api.v1.Scope;
import dev.kaizen.api.v1.ScopeServiceGrpc;
import dev.kaizen.api.v1.TaskSize;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;

/**
 * {@code ./kaizen export} and {@code ./kaizen import}: knowledge as JSON Lines, over knowledge-service's
 * gRPC API (ListNamespaces, server-streaming ExportKnowledge, batched ImportKnowledge). One object
 * per line, structure first: {@code {"kind":"namespace",...}}, then {@code {"kind":"scope",...}}
 * (with its parents), then {@code {"kind":"knowledge",...}} (scope, content, context, task_size,
 * suppressed, create_time, update_time, created_by, updated_by, valid_until; with {@code --with-history} also "versions", oldest
 * first), and with {@code --with-history} a {@code {"kind":"history","versions":[...]}} line per deleted entry. An
 * import creates the namespaces and scopes that do not exist yet and stores the entries in atomic batches (at most 500
 * entries and 2 MiB each); entries already there (same scope, content and context) are not stored again; a line the
 * service refuses is left out and reported with the reason, the rest of its batch is stored.
 */
final class Transfer implements AutoCloseable {
    private static final int BATCH = 500;
    /** At most this many bytes per ImportKnowledge call: half of the 4 MiB knowledge-service reads by default. */
    private static final int BATCH_BYTES = 2 << 20;
    private final McpJsonMapper json = McpJsonDefaults.getMapper();
    private final ManagedChannel channel;

    /** A client of knowledge-service at {@code target}, with API or OAuth {@code token} when not null. */
    Transfer(String target, String token) {
        ManagedChannelBuilder<?> builder = ManagedChannelBuilder.forTarget(target).usePlaintext();
        if (token != null && !token.isBlank()) {
            Metadata headers = new Metadata();
            headers.put(Headers.AUTHORIZATION, "Bearer " + token.strip());
            builder.intercept(MetadataUtils.newAttachHeadersInterceptor(headers));
        }
        this.channel = builder.build();
    }

    /** The token of KAIZEN_TOKEN, for a knowledge-service with authentication on; null when unset. */
    static String token() {
        return System.getenv("KAIZEN_TOKEN");
    }

    /** knowledge-service of {@code ./kaizen run} unless KAIZEN_GRPC_TARGET names another. */
    static String target() {
        String target = System.getenv("KAIZEN_GRPC_TARGET");
        String port = System.getenv("KAIZEN_GRPC_PORT");
        return target != null && !target.isBlank() ? target : "127.0.0.1:" + (port == null || port.isBlank() ? "9090" : port);
    }

    /** Writes everything, or one namespace, to {@code out}; {@code withHistory}: with every version. */
    void export(String namespace, boolean withHistory, PrintStream out) throws IOException {
        BufferedWriter writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
        ListNamespacesRequest.Builder list = ListNamespacesRequest.newBuilder().setView(NamespaceView.NAMESPACE_VIEW_SCOPE_PARENTS);
        if (namespace != null) {
            list.setName(namespace);
        }
        List<Namespace> namespaces = namespaces().listNamespaces(list.build()).getNamespacesList();
        int lines = 0;
        for (Namespace each : namespaces) {
            if (!Rules.GLOBAL_NAMESPACE.equals(each.getName())) {
                write(writer, map("kind", "namespace", "name", each.getName(), "description", each.getDescription()));
                lines++;
            }
        }
        for (Namespace each : namespaces) {
            for (Scope scope : each.getScopesList()) {
                if (!scope.getName().endsWith(Rules.SCOPE_SEPARATOR + Rules.DEFAULT_SCOPE)) {
                    write(writer, map("kind", "scope", "scope", scope.getName(), "description", scope.getDescription(),
                            "parents", scope.getParentsList()));
                    lines++;
                }
            }
        }
        ExportKnowledgeRequest.Builder request = ExportKnowledgeRequest.newBuilder().setWithHistory(withHistory);
        if (namespace != null) {
            request.setNamespace(namespace);
        }
        Iterator<ExportKnowledgeResponse> entries = KnowledgeServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(1, TimeUnit.HOURS).exportKnowledge(request.build());
        int knowledge = 0;
        int deleted = 0;
        while (entries.hasNext()) {
            ExportKnowledgeResponse item = entries.next();
            List<Map<String, Object>> versions = item.getVersionsList().stream().map(Transfer::version).toList();
            if (!item.hasEntry()) {
                write(writer, map("kind", "history", "versions", versions));
                deleted++;
                continue;
            }
            KnowledgeEntry entry = item.getEntry();
            Map<String, Object> line = map("kind", "knowledge", "scope", entry.getScope(), "content", entry.getContent(),
                    "context", entry.getContext(), "task_size", taskSize(entry.getTaskSize()),
                    "suppressed", entry.getSuppressed(),
                    "create_time", time(entry.getCreateTime()),
                    "update_time", time(entry.getUpdateTime()),
                    "created_by", entry.getCreatedBy(),
                    "updated_by", entry.getUpdatedBy(),
                    "valid_until", entry.hasValidUntil() ? time(entry.getValidUntil()) : null);
            if (withHistory) {
                line.put("versions", versions);
            }
            write(writer, line);
            knowledge++;
        }
        writer.flush();
        System.err.printf("Exported %d namespaces and scopes and %d knowledge entries%s.%n", lines, knowledge,
                withHistory ? ", with their history, and the history of " + deleted + " deleted entries" : "");
    }

    /** A version as a line's "versions" hold it (as get_knowledge_history shows it, without id and number). */
    private static Map<String, Object> version(KnowledgeVersion version) {
        return map("action", version.getAction(), "principal", version.getPrincipal(), "time", time(version.getTime()),
                "scope", version.getScope(), "content", version.getContent(), "context", version.getContext(),
                "task_size", taskSize(version.getTaskSize()), "suppressed", version.getSuppressed(),
                "valid_until", version.hasValidUntil() ? time(version.getValidUntil()) : null);
    }

    private static String taskSize(TaskSize size) {
        return size == TaskSize.TASK_SIZE_UNSPECIFIED ? null : size.name().substring("TASK_SIZE_".length());
    }

    private static String time(com.google.protobuf.Timestamp time) {
        return Instant.ofEpochSecond(time.getSeconds(), time.getNanos()).toString();
    }

    /** Reads {@code file}, stores what it can, and reports what it wrote and what it refused. */
    int importFile(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<String> refused = new ArrayList<>();
        List<Line> namespaceLines = new ArrayList<>();
        List<Line> scopeLines = new ArrayList<>();
        List<Line> knowledgeLines = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            try {
                @SuppressWarnings("unchecked")
                Map<String, Object> object = json.readValue(lines.get(i), Map.class);
                Line line = new Line(i + 1, object);
                switch (String.valueOf(object.get("kind"))) {
                    case "namespace" -> namespaceLines.add(line);
                    case "scope" -> scopeLines.add(line);
                    case "knowledge", "history" -> knowledgeLines.add(line);
                    default -> refused.add("line " + (i + 1) + ": \"kind\" must be namespace, scope, knowledge or history");
                }
            } catch (IOException | RuntimeException e) {
                refused.add("line " + (i + 1) + ": not a JSON object");
            }
        }
        int[] existing = new int[1];
        int namespacesCreated = 0;
        for (Line line : namespaceLines) {
            namespacesCreated += create(line, refused, existing, () -> namespaces().createNamespace(
                    CreateNamespaceRequest.newBuilder().setName(line.string("name"))
                            .setDescription(line.string("description")).build()));
        }
        int scopesCreated = createScopes(scopeLines, refused, existing);
        Stored stored = new Stored();
        List<Line> batch = new ArrayList<>();
        long bytes = 0;
        for (Line line : knowledgeLines) {
            int size = line.size();
            if (batch.size() == BATCH || !batch.isEmpty() && bytes + size > BATCH_BYTES) {
                store(batch, refused, stored);
                batch = new ArrayList<>();
                bytes = 0;
            }
            batch.add(line);
            bytes += size;
        }
        store(batch, refused, stored);
        System.err.printf("Imported %d namespaces, %d scopes and %d knowledge entries (%d namespaces and scopes and %d "
                        + "entries were there already)%s.%n", namespacesCreated, scopesCreated, stored.entries, existing[0],
                stored.present, stored.deleted == 0 ? "" : "; and the history of " + stored.deleted + " deleted entries");
        if (!refused.isEmpty()) {
            System.err.printf("Refused %d lines:%n", refused.size());
            refused.forEach(reason -> System.err.println("  " + reason));
        }
        return refused.size();
    }

    /** Creates scopes whose parents exist (or were just created), pass after pass. */
    private int createScopes(List<Line> lines, List<String> refused, int[] existing) {
        int created = 0;
        List<Line> waiting = new ArrayList<>(lines);
        for (boolean progress = true; progress && !waiting.isEmpty(); ) {
            progress = false;
            List<Line> next = new ArrayList<>();
            for (Line line : waiting) {
                try {
                    ScopeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                            .createScope(CreateScopeRequest.newBuilder().setScope(line.string("scope"))
                                    .setDescription(line.string("description")).addAllParents(line.strings("parents"))
                                    .build());
                    created++;
                    progress = true;
                } catch (StatusRuntimeException e) {
                    if (e.getStatus().getCode() == Status.Code.ALREADY_EXISTS) {
                        existing[0]++;
                        progress = true;
                    } else if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                        next.add(line); // a parent may come later in the file
                    } else {
                        refused.add("line " + line.number() + ": " + e.getStatus().getDescription());
                    }
                } catch (RuntimeException e) {
                    refused.add("line " + line.number() + ": " + e.getMessage());
                }
            }
            waiting = next;
        }
        for (Line line : waiting) {
            refused.add("line " + line.number() + ": scope " + line.object().get("scope") + " cannot be created: its "
                    + "namespace or a parent is neither in the file nor in the service");
        }
        return created;
    }

    /** What an import stored: new entries, entries that were there already, deleted entries' histories. */
    private static final class Stored {
        int entries;
        int present;
        int deleted;
    }

    /** Stores a batch atomically; a refused line is left out and the rest tried again. */
    private void store(List<Line> batch, List<String> refused, Stored stored) {
        while (!batch.isEmpty()) {
            ImportKnowledgeRequest.Builder request = ImportKnowledgeRequest.newBuilder();
            // the line of each entry and each history of the request, by their index there
            List<Line> entryLines = new ArrayList<>();
            List<Line> historyLines = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                Line line = batch.get(i);
                try {
                    List<KnowledgeVersion> versions = line.versions();
                    ImportedHistory.Builder history = ImportedHistory.newBuilder().addAllVersions(versions);
                    if (line.isHistory()) {
                        request.addHistories(history);
                        historyLines.add(line);
                        continue;
                    }
                    KnowledgeEntry entry = line.entry();
                    if (!versions.isEmpty()) {
                        request.addHistories(history.setEntry(entryLines.size()));
                        historyLines.add(line);
                    }
                    request.addEntries(entry);
                    entryLines.add(line);
                } catch (RuntimeException e) {
                    refused.add("line " + line.number() + ": " + e.getMessage());
                    batch.remove(i);
                    store(batch, refused, stored);
                    return;
                }
            }
            try {
                ImportKnowledgeResponse response = KnowledgeServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(5, TimeUnit.MINUTES).importKnowledge(request.build());
                long present = response.getPresentList().stream().filter(Boolean::booleanValue).count();
                stored.present += (int) present;
                stored.entries += response.getIdsCount() - (int) present;
                stored.deleted += response.getDeletedIdsCount();
                return;
            } catch (StatusRuntimeException e) {
                // the field the service names says which entry or history it refused: that line is left out
                Line line = null;
                BadRequest.FieldViolation refusal = null;
                for (BadRequest.FieldViolation violation : ErrorDetails.fieldViolations(e)) {
                    OptionalInt entry = ErrorDetails.index(violation.getField(), "entries");
                    OptionalInt history = ErrorDetails.index(violation.getField(), "histories");
                    if (entry.isPresent() && entry.getAsInt() < entryLines.size()) {
                        line = entryLines.get(entry.getAsInt());
                    } else if (history.isPresent() && history.getAsInt() < historyLines.size()) {
                        line = historyLines.get(history.getAsInt());
                    }
                    if (line != null) {
                        refusal = violation;
                        break;
                    }
                }
                if (line == null) {
                    throw e;
                }
                batch.remove(line);
                refused.add("line " + line.number() + ": " + ErrorDetails.below(refusal.getField()) + " "
                        + refusal.getDescription());
            }
        }
    }

    /** Runs {@code call}, counting it as created (1), existing or refused. */
    private int create(Line line, List<String> refused, int[] existing, Runnable call) {
        try {
            call.run();
            return 1;
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.ALREADY_EXISTS) {
                existing[0]++;
            } else {
                refused.add("line " + line.number() + ": " + e.getStatus().getDescription());
            }
        } catch (RuntimeException e) {
            refused.add("line " + line.number() + ": " + e.getMessage());
        }
        return 0;
    }

    private NamespaceServiceGrpc.NamespaceServiceBlockingStub namespaces() {
        return NamespaceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private void write(BufferedWriter writer, Map<String, Object> line) {
        try {
            writer.write(json.writeValueAsString(line));
            writer.newLine();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> map(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }

    /** One line of an import, by its number in the file. */
    private record Line(int number, Map<String, Object> object) {
        /** A deleted entry's history ({@code "kind": "history"}) rather than an entry. */
        boolean isHistory() {
            return "history".equals(object.get("kind"));
        }

        /** The versions the line carries, oldest first; none when it has no "versions". */
        List<KnowledgeVersion> versions() {
            Object value = object.get("versions");
            if (value == null) {
                return List.of();
            }
            if (!(value instanceof List<?> list) || !list.stream().allMatch(Map.class::isInstance)) {
                throw new IllegalArgumentException("\"versions\" must be a list of objects");
            }
            List<KnowledgeVersion> versions = new ArrayList<>();
            for (Object item : list) {
                @SuppressWarnings("unchecked")
                Line version = new Line(number, (Map<String, Object>) item);
                KnowledgeEntry state = version.entry();
                KnowledgeVersion.Builder builder = KnowledgeVersion.newBuilder().setAction(version.string("action"))
                        .setPrincipal(version.string("principal")).setScope(state.getScope())
                        .setContent(state.getContent()).setContext(state.getContext()).setTaskSize(state.getTaskSize())
                        .setSuppressed(state.getSuppressed());
                if (state.hasValidUntil()) {
                    builder.setValidUntil(state.getValidUntil());
                }
                builder.setTime(version.timestamp("time"));
                versions.add(builder.build());
            }
            return versions;
        }

        /** The bytes of its entry in an ImportKnowledge request; 0 when it is no entry (store refuses it). */
        int size() {
            try {
                return entry().getSerializedSize();
            } catch (RuntimeException e) {
                return 0;
            }
        }

        String string(String field) {
            Object value = object.get(field);
            if (!(value instanceof String text)) {
                throw new IllegalArgumentException("\"" + field + "\" must be a string");
            }
            return text;
        }

        List<String> strings(String field) {
            Object value = object.getOrDefault(field, List.of());
            if (!(value instanceof List<?> list) || !list.stream().allMatch(String.class::isInstance)) {
                throw new IllegalArgumentException("\"" + field + "\" must be a list of strings");
            }
            return list.stream().map(String.class::cast).toList();
        }

        KnowledgeEntry entry() {
            KnowledgeEntry.Builder entry = KnowledgeEntry.newBuilder().setScope(string("scope"))
                    .setContent(string("content")).setContext(string("context"));
            Object size = object.get("task_size");
            if (size != null) {
                if (!(size instanceof String text) || !Rules.TASK_SIZES.contains(text)) {
                    throw new IllegalArgumentException("\"task_size\" must be null or " + Rules.TASK_SIZE_RULE);
                }
                entry.setTaskSize(TaskSize.valueOf("TASK_SIZE_" + text));
            }
            if (Boolean.TRUE.equals(object.get("suppressed"))) {
                entry.setSuppressed(true);
            }
            // kept by a server-wide admin's import (a restore); anyone else's import records the importer
            if (object.get("created_by") instanceof String by) {
                entry.setCreatedBy(by);
            }
            if (object.get("updated_by") instanceof String by) {
                entry.setUpdatedBy(by);
            }
            // as it was exported, past or not: an import restores knowledge as it was
            if (object.get("valid_until") != null) {
                Instant until = Rules.time("\"valid_until\"", string("valid_until"));
                entry.setValidUntil(com.google.protobuf.Timestamp.newBuilder().setSeconds(until.getEpochSecond())
                        .setNanos(until.getNano()));
            }
            if (object.get("create_time") != null) {
                entry.setCreateTime(timestamp("create_time"));
            }
            if (object.get("update_time") != null) {
                entry.setUpdateTime(timestamp("update_time"));
            }
            return entry.build();
        }

        com.google.protobuf.Timestamp timestamp(String field) {
            Instant time;
            try {
                time = Instant.parse(string(field));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("\"" + field + "\" must be an RFC 3339 time, e.g. 2026-01-31T12:00:00Z");
            }
            return com.google.protobuf.Timestamp.newBuilder().setSeconds(time.getEpochSecond()).setNanos(time.getNano()).build();
        }
    }
}
