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
import dev.kaizen.api.v1.KnowledgeEntry;
import dev.kaizen.api.v1.KnowledgeServiceGrpc;
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
 * suppressed, create_time, update_time, created_by, updated_by, valid_until). An import creates the namespaces and scopes that do not
 * exist yet and stores the entries in atomic batches (at most 500 entries and 2 MiB each); a line the service refuses is left out and
 * reported with the reason, the rest of its batch is stored.
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

    /** Writes everything, or one namespace, to {@code out}. */
    void export(String namespace, PrintStream out) throws IOException {
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
        ExportKnowledgeRequest.Builder request = ExportKnowledgeRequest.newBuilder();
        if (namespace != null) {
            request.setNamespace(namespace);
        }
        Iterator<ExportKnowledgeResponse> entries = KnowledgeServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(1, TimeUnit.HOURS).exportKnowledge(request.build());
        int knowledge = 0;
        while (entries.hasNext()) {
            KnowledgeEntry entry = entries.next().getEntry();
            write(writer, map("kind", "knowledge", "scope", entry.getScope(), "content", entry.getContent(),
                    "context", entry.getContext(), "task_size", entry.getTaskSize() == TaskSize.TASK_SIZE_UNSPECIFIED
                            ? null : entry.getTaskSize().name().substring("TASK_SIZE_".length()),
                    "suppressed", entry.getSuppressed(),
                    "create_time", Instant.ofEpochSecond(entry.getCreateTime().getSeconds(), entry.getCreateTime().getNanos()).toString(),
                    "update_time", Instant.ofEpochSecond(entry.getUpdateTime().getSeconds(), entry.getUpdateTime().getNanos()).toString(),
                    "created_by", entry.getCreatedBy(),
                    "updated_by", entry.getUpdatedBy(),
                    "valid_until", entry.hasValidUntil() ? Instant.ofEpochSecond(entry.getValidUntil().getSeconds(),
                            entry.getValidUntil().getNanos()).toString() : null));
            knowledge++;
        }
        writer.flush();
        System.err.printf("Exported %d namespaces and scopes and %d knowledge entries.%n", lines, knowledge);
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
                    case "knowledge" -> knowledgeLines.add(line);
                    default -> refused.add("line " + (i + 1) + ": \"kind\" must be namespace, scope or knowledge");
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
        int entries = 0;
        List<Line> batch = new ArrayList<>();
        long bytes = 0;
        for (Line line : knowledgeLines) {
            int size = line.size();
            if (batch.size() == BATCH || !batch.isEmpty() && bytes + size > BATCH_BYTES) {
                entries += store(batch, refused);
                batch = new ArrayList<>();
                bytes = 0;
            }
            batch.add(line);
            bytes += size;
        }
        entries += store(batch, refused);
        System.err.printf("Imported %d namespaces, %d scopes and %d knowledge entries (%d namespaces and scopes were "
                + "there already).%n", namespacesCreated, scopesCreated, entries, existing[0]);
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

    /** Stores a batch atomically; a refused line is left out and the rest tried again. */
    private int store(List<Line> batch, List<String> refused) {
        while (!batch.isEmpty()) {
            ImportKnowledgeRequest.Builder request = ImportKnowledgeRequest.newBuilder();
            for (int i = 0; i < batch.size(); i++) {
                try {
                    request.addEntries(batch.get(i).entry());
                } catch (RuntimeException e) {
                    refused.add("line " + batch.get(i).number() + ": " + e.getMessage());
                    batch.remove(i);
                    return store(batch, refused);
                }
            }
            try {
                KnowledgeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.MINUTES)
                        .importKnowledge(request.build());
                return batch.size();
            } catch (StatusRuntimeException e) {
                // the field the service names says which entry it refused: that line is left out
                BadRequest.FieldViolation refusal = ErrorDetails.fieldViolations(e).stream()
                        .filter(violation -> ErrorDetails.index(violation.getField(), "entries").isPresent())
                        .findFirst().orElseThrow(() -> e);
                int index = ErrorDetails.index(refusal.getField(), "entries").getAsInt();
                if (index >= batch.size()) {
                    throw e;
                }
                Line line = batch.remove(index);
                refused.add("line " + line.number() + ": " + ErrorDetails.below(refusal.getField()) + " "
                        + refusal.getDescription());
            }
        }
        return 0;
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
            for (String field : List.of("create_time", "update_time")) {
                if (object.get(field) != null) {
                    Instant time;
                    try {
                        time = Instant.parse(string(field));
                    } catch (RuntimeException e) {
                        throw new IllegalArgumentException("\"" + field + "\" must be an RFC 3339 time, e.g. "
                                + "2026-01-31T12:00:00Z");
                    }
                    com.google.protobuf.Timestamp stamp = com.google.protobuf.Timestamp.newBuilder()
                            .setSeconds(time.getEpochSecond()).setNanos(time.getNano()).build();
                    if (field.equals("create_time")) {
                        entry.setCreateTime(stamp);
                    } else {
                        entry.setUpdateTime(stamp);
                    }
                }
            }
            return entry.build();
        }
    }
}
