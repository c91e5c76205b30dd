package dev.kaizen.knowledge;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import dev.kaizen.api.v1.CreateNamespaceRequest;
import dev.kaizen.api.v1.CreateScopeRequest;
import dev.kaizen.api.v1.GetKnowledgeRequest;
import dev.kaizen.api.v1.GetTaskContextRequest;
import dev.kaizen.api.v1.GetTaskContextResponse;
import dev.kaizen.api.v1.KnowledgeEntry;
import dev.kaizen.api.v1.ListNamespacesRequest;
import dev.kaizen.api.v1.Namespace;
import dev.kaizen.api.v1.NamespaceView;
import dev.kaizen.api.v1.Scope;
import dev.kaizen.api.v1.ScopeParents;
import dev.kaizen.api.v1.TaskContextEntry;
import dev.kaizen.api.v1.TaskSize;
import dev.kaizen.api.v1.UpdateScopeRequest;
import dev.kaizen.api.v1.WriteKnowledgeRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Base of the knowledge-service tests, and the one home of their helpers: one running service
 * (in this JVM, configured as its main method configures it) and database per test class.
 */
abstract class ServiceTest {
    private static final AtomicInteger NAMES = new AtomicInteger();
    static RunningService service;

    @BeforeAll
    static void startService(TestInfo info) {
        service = RunningService.onNewDatabase(info.getTestClass().orElseThrow().getSimpleName());
    }

    @AfterAll
    static void stopService() {
        service.close();
    }

    /** A name no other test uses, valid as a namespace or scope name. */
    static String unique(String prefix) {
        return prefix + "-" + NAMES.incrementAndGet();
    }

    /** A keyword no other test uses, so searches see only this test's entries. */
    static String marker() {
        return unique("mark").replace("-", "x");
    }

    /**
     * Asserts the call fails with {@code code} and a message for people: no SQL, no exception
     * names. Returns the message.
     */
    static String assertRefused(Status.Code code, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), () -> "status of: " + e.getStatus());
        String message = e.getStatus().getDescription();
        assertFalse(message == null || message.isBlank(), "a refusal says why");
        for (String leak : new String[] {"SELECT", "INSERT", "UPDATE ", "DELETE FROM", "Exception", "SQLSTATE", "org.",
                "java.", "io.grpc"}) {
            assertFalse(message.contains(leak), () -> "message leaks internals: " + message);
        }
        return message;
    }

    static Namespace createNamespace(String name) {
        return service.namespaces().createNamespace(CreateNamespaceRequest.newBuilder()
                .setName(name).setDescription("Team " + name).build()).getNamespace();
    }

    /** A new namespace of its own for a test. */
    static String namespace() {
        String name = unique("ns");
        createNamespace(name);
        return name;
    }

    static Namespace getNamespace(String name, NamespaceView view) {
        return service.namespaces().listNamespaces(ListNamespacesRequest.newBuilder().setName(name).setView(view).build())
                .getNamespaces(0);
    }

    static Scope createScope(String scope, String... parents) {
        return service.scopes().createScope(CreateScopeRequest.newBuilder()
                .setScope(scope).setDescription("Scope " + scope.substring(scope.indexOf(':') + 1))
                .addAllParents(List.of(parents)).build()).getScope();
    }

    static Scope setParents(String scope, String... parents) {
        return service.scopes().updateScope(UpdateScopeRequest.newBuilder().setScope(scope)
                .setParents(ScopeParents.newBuilder().addAllScopes(List.of(parents))).build()).getScope();
    }

    static long write(String scope, String content, String context) {
        return write(scope, content, context, TaskSize.TASK_SIZE_UNSPECIFIED);
    }

    static long write(String scope, String content, String context, TaskSize size) {
        return service.knowledge().writeKnowledge(WriteKnowledgeRequest.newBuilder().setScope(scope)
                .setContent(content).setContext(context).setTaskSize(size).build()).getId();
    }

    static KnowledgeEntry get(long id) {
        return service.knowledge().getKnowledge(GetKnowledgeRequest.newBuilder().addIds(id).build()).getEntries(0);
    }

    static GetTaskContextResponse search(String scope, TaskSize size, String... queries) {
        return service.knowledge().getTaskContext(GetTaskContextRequest.newBuilder().setScope(scope)
                .setTaskSize(size).addAllQueries(List.of(queries)).build());
    }

    /** The ids a search answers, in the order it answers them. */
    static List<Long> ids(GetTaskContextResponse response) {
        return response.getEntriesList().stream().map(TaskContextEntry::getId).toList();
    }

    /**
     * Rebuilds the search's statistics snapshot now, as the service does in the background once
     * enough has changed (rare words count more than common ones by these statistics).
     */
    static void refreshSearchStatistics() {
        service.sql("SELECT refresh_search_stats()");
    }

    /** The ids a search of {@code scope} for {@code queries} finds, in order. */
    static List<Long> found(String scope, String... queries) {
        return ids(search(scope, TaskSize.TASK_SIZE_UNSPECIFIED, queries));
    }
}
