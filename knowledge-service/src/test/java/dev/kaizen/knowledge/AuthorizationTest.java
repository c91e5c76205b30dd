package dev.kaizen.knowledge;

import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.kaizen.api.Rules;
import dev.kaizen.api.v1.AuditEvent;
import dev.kaizen.api.v1.AuditServiceGrpc;
import dev.kaizen.api.v1.ConfigServiceGrpc;
import dev.kaizen.api.v1.CreateNamespaceRequest;
import dev.kaizen.api.v1.CreateScopeRequest;
import dev.kaizen.api.v1.DeleteKnowledgeRequest;
import dev.kaizen.api.v1.DeleteNamespaceRequest;
import dev.kaizen.api.v1.ExportKnowledgeRequest;
import dev.kaizen.api.v1.ExportKnowledgeResponse;
import dev.kaizen.api.v1.GetKnowledgeRequest;
import dev.kaizen.api.v1.GetScopeRequest;
import dev.kaizen.api.v1.GetTaskContextRequest;
import dev.kaizen.api.v1.GetTaskContextResponse;
import dev.kaizen.api.v1.ImportKnowledgeRequest;
import dev.kaizen.api.v1.ImportedHistory;
import dev.kaizen.api.v1.KnowledgeVersion;
import dev.kaizen.api.v1.KnowledgeEntry;
import dev.kaizen.api.v1.KnowledgeServiceGrpc;
import dev.kaizen.api.v1.ListAuditEventsRequest;
import dev.kaizen.api.v1.ListNamespacesRequest;
import dev.kaizen.api.v1.ListStaleKnowledgeRequest;
import dev.kaizen.api.v1.Namespace;
import dev.kaizen.api.v1.NamespaceServiceGrpc;
import dev.kaizen.api.v1.ResolveKnowledgeConflictRequest;
import dev.kaizen.api.v1.ScopeParents;
import dev.kaizen.api.v1.ScopeServiceGrpc;
import dev.kaizen.api.v1.TaskContextEntry;
import dev.kaizen.api.v1.UpdateConfigRequest;
import dev.kaizen.api.v1.PurgeKnowledgeRequest;
import dev.kaizen.api.v1.UpdateKnowledgeRequest;
import dev.kaizen.api.v1.UpdateNamespaceRequest;
import dev.kaizen.api.v1.UpdateScopeRequest;
import dev.kaizen.api.v1.WriteKnowledgeRequest;
import dev.kaizen.identity.ApiTokens;
import dev.kaizen.stack.PostgresServer;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Who may read and change what, enforced by knowledge-service over gRPC with API tokens: every
 * grant boundary, and no leak of what exists in a namespace the caller may not read.
 */
class AuthorizationTest {
    /** Principal name to its scopes. */
    private static final Map<String, String> PRINCIPALS = Map.of(
            "root", "kaizen:admin",
            "acme-admin", "kaizen:admin:acme",
            "acme-writer", "kaizen:write:acme",
            "acme-reader", "kaizen:read:acme",
            "outsider", "openid");
    private static final Map<String, String> TOKENS = new HashMap<>();
    private static RunningService service;
    private static long acmeEntry;
    private static long secretEntry;

    @BeforeAll
    static void start() {
        StringBuilder entries = new StringBuilder();
        PRINCIPALS.forEach((name, scopes) -> {
            String token = ApiTokens.generate();
            TOKENS.put(name, token);
            entries.append(ApiTokens.entry(name, token, scopes)).append('\n');
        });
        PostgresServer postgres = PostgresServer.shared();
        service = RunningService.start(postgres.createDatabase("authorization"), postgres,
                Map.of("auth.tokens", entries.toString()));
        for (String namespace : List.of("acme", "secret")) {
            namespaces("root").createNamespace(CreateNamespaceRequest.newBuilder().setName(namespace)
                    .setDescription("Team " + namespace).build());
        }
        scopes("root").createScope(CreateScopeRequest.newBuilder().setScope("secret:vault").setDescription("Vault").build());
        scopes("root").createScope(CreateScopeRequest.newBuilder().setScope("acme:team").setDescription("Team")
                .addParents("secret:vault").build());
        acmeEntry = write("acme-writer", "acme:default", "Acme deploys on Tuesdays", "deploy schedule");
        secretEntry = write("root", "secret:vault", "The vault deploy key rotates monthly", "deploy key");
        write("root", "global:default", "Every deploy needs a changelog", "deploy changelog");
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    private static Channel as(String principal) {
        Metadata headers = new Metadata();
        headers.put(dev.kaizen.api.Headers.AUTHORIZATION, "Bearer " + TOKENS.get(principal));
        return ClientInterceptors.intercept(service.channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static KnowledgeServiceGrpc.KnowledgeServiceBlockingStub knowledge(String principal) {
        return KnowledgeServiceGrpc.newBlockingStub(as(principal)).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static NamespaceServiceGrpc.NamespaceServiceBlockingStub namespaces(String principal) {
        return NamespaceServiceGrpc.newBlockingStub(as(principal)).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static ScopeServiceGrpc.ScopeServiceBlockingStub scopes(String principal) {
        return ScopeServiceGrpc.newBlockingStub(as(principal)).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static long write(String principal, String scope, String content, String context) {
        return knowledge(principal).writeKnowledge(WriteKnowledgeRequest.newBuilder().setScope(scope).setContent(content)
                .setContext(context).build()).getId();
    }

    private static GetTaskContextResponse search(String principal, String scope) {
        return knowledge(principal).getTaskContext(GetTaskContextRequest.newBuilder().setScope(scope).addQueries("deploy").build());
    }

    /** Asserts PERMISSION_DENIED naming the grant, with its scope in the trailer; returns the message. */
    private static String denied(String scope, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode(), () -> "status of: " + e.getStatus());
        assertEquals(scope, e.getTrailers().get(dev.kaizen.api.Headers.REQUIRED_GRANT_SCOPE));
        assertEquals(java.util.Optional.of(scope), dev.kaizen.api.ErrorDetails.metadata(e, dev.kaizen.api.ErrorDetails.REQUIRED_GRANT_SCOPE));
        assertTrue(dev.kaizen.api.ErrorDetails.is(e, dev.kaizen.api.ErrorDetails.Reason.GRANT_MISSING));
        assertTrue(e.getStatus().getDescription().contains(scope), e.getStatus().getDescription());
        return e.getStatus().getDescription();
    }

    private static String notFound(Executable call) {
        return ServiceTest.assertRefused(Status.Code.NOT_FOUND, call);
    }

    @Test
    void callsWithoutAValidCredentialAreUnauthenticatedButHealthChecksAnswer() {
        StatusRuntimeException none = assertThrows(StatusRuntimeException.class, () -> service.namespaces()
                .listNamespaces(ListNamespacesRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAUTHENTICATED, none.getStatus().getCode());
        assertTrue(none.getStatus().getDescription().contains("Authorization: Bearer"));
        TOKENS.put("forger", "kzn_forged");
        StatusRuntimeException forged = assertThrows(StatusRuntimeException.class, () -> namespaces("forger")
                .listNamespaces(ListNamespacesRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAUTHENTICATED, forged.getStatus().getCode());
        assertFalse(forged.getStatus().getDescription().contains("kzn_forged"), "a refusal never echoes the credential");
        assertEquals(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(service.channel)
                .check(HealthCheckRequest.getDefaultInstance()).getStatus());
    }

    @Test
    void refusedCallsLeaveTheConnectionToOtherCallers() {
        // a refusal sent before the request arrived made Helidon end the whole HTTP/2 connection
        // (a protocol error, in about one refusal of 40), failing the calls of every other caller on it
        for (int i = 0; i < 300; i++) {
            assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class, () -> service.namespaces()
                    .listNamespaces(ListNamespacesRequest.getDefaultInstance())).getStatus().getCode());
            assertFalse(namespaces("acme-reader").listNamespaces(ListNamespacesRequest.getDefaultInstance())
                    .getNamespacesList().isEmpty(), "call " + i + " after a refusal");
        }
    }

    @Test
    void aReaderReadsAndSearchesButChangesNothing() {
        assertFalse(search("acme-reader", "acme:default").getEntriesList().isEmpty());
        assertEquals("Acme deploys on Tuesdays", knowledge("acme-reader").getKnowledge(GetKnowledgeRequest.newBuilder()
                .addIds(acmeEntry).build()).getEntries(0).getContent());
        String message = denied("kaizen:write:acme", () -> write("acme-reader", "acme:default", "Nope", "nope"));
        assertTrue(message.contains("acme-reader") && message.contains("write"), message);
        denied("kaizen:write:acme", () -> knowledge("acme-reader").deleteKnowledge(DeleteKnowledgeRequest.newBuilder()
                .setId(acmeEntry).build()));
        denied("kaizen:admin:acme", () -> scopes("acme-reader").createScope(CreateScopeRequest.newBuilder()
                .setScope("acme:new").setDescription("New").build()));
        denied("kaizen:admin", () -> namespaces("acme-reader").createNamespace(CreateNamespaceRequest.newBuilder()
                .setName("mine").setDescription("Mine").build()));
        denied("kaizen:write:global", () -> write("acme-reader", "global:default", "Global", "global"));
    }

    @Test
    void aWriterChangesKnowledgeButNotScopesNamespacesOrSettings() {
        long id = write("acme-writer", "acme:default", "Written by the writer", "writer");
        knowledge("acme-writer").updateKnowledge(UpdateKnowledgeRequest.newBuilder().setId(id).setContext("writer changed").build());
        denied("kaizen:admin:acme", () -> scopes("acme-writer").createScope(CreateScopeRequest.newBuilder()
                .setScope("acme:more").setDescription("More").build()));
        denied("kaizen:admin:acme", () -> namespaces("acme-writer").deleteNamespace(DeleteNamespaceRequest.newBuilder()
                .setName("acme").build()));
        denied("kaizen:admin", () -> ConfigServiceGrpc.newBlockingStub(as("acme-writer")).updateConfig(
                UpdateConfigRequest.newBuilder().setKey("search.max_results").setValue("5").build()));
        denied("kaizen:admin", () -> namespaces("acme-writer").updateNamespace(UpdateNamespaceRequest.newBuilder()
                .setName("acme").setNewName("acme2").build()));
        denied("kaizen:admin", () -> knowledge("acme-writer").purgeKnowledge(PurgeKnowledgeRequest.newBuilder()
                .addIds(id).build()));
        denied("kaizen:admin", () -> knowledge("acme-writer").importKnowledge(ImportKnowledgeRequest.newBuilder()
                .addHistories(ImportedHistory.newBuilder().addVersions(KnowledgeVersion.newBuilder().setAction("write")
                        .setPrincipal("someone else").setScope("acme:default").setContent("Forged.").setContext("forged")
                        .setTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(1_700_000_000L)))).build()));
        denied("kaizen:write:secret", () -> knowledge("acme-writer").updateKnowledge(UpdateKnowledgeRequest.newBuilder()
                .setId(id).setScope("secret:vault").build()));
        denied("kaizen:write:secret", () -> knowledge("acme-writer").updateKnowledge(UpdateKnowledgeRequest.newBuilder()
                .setId(id).setScope("secret:no-such-scope").build()));
        knowledge("acme-writer").deleteKnowledge(DeleteKnowledgeRequest.newBuilder().setId(id).build());
    }

    @Test
    void anotherNamespacesEntryLooksExactlyLikeOneThatDoesNotExist() {
        long missing = Rules.ID_MAX;
        String absent = notFound(() -> knowledge("acme-writer").getKnowledge(GetKnowledgeRequest.newBuilder()
                .addIds(missing).build()));
        String hidden = notFound(() -> knowledge("acme-writer").getKnowledge(GetKnowledgeRequest.newBuilder()
                .addIds(secretEntry).build()));
        assertEquals(absent.replace(String.valueOf(missing), "N"), hidden.replace(String.valueOf(secretEntry), "N"));
        notFound(() -> knowledge("acme-writer").updateKnowledge(UpdateKnowledgeRequest.newBuilder().setId(secretEntry)
                .setContext("stolen").build()));
        notFound(() -> knowledge("acme-writer").deleteKnowledge(DeleteKnowledgeRequest.newBuilder().setId(secretEntry).build()));
        notFound(() -> knowledge("acme-writer").resolveKnowledgeConflict(ResolveKnowledgeConflictRequest.newBuilder()
                .setActiveId(acmeEntry).addSuppressedIds(secretEntry).build()));
        long other = write("acme-writer", "acme:default", "Acme deploys on Wednesdays", "deploy schedule");
        denied("kaizen:write:acme", () -> knowledge("acme-reader").resolveKnowledgeConflict(ResolveKnowledgeConflictRequest
                .newBuilder().setActiveId(acmeEntry).addSuppressedIds(other).build()));
        assertEquals("The vault deploy key rotates monthly", knowledge("root").getKnowledge(GetKnowledgeRequest.newBuilder()
                .addIds(secretEntry).build()).getEntries(0).getContent(), "nothing changed it");
    }

    @Test
    void searchesLeaveOutInheritedScopesTheCallerMayNotReadAndSaySo() {
        GetTaskContextResponse found = search("acme-reader", "acme:team");
        List<String> scopes = found.getEntriesList().stream().map(TaskContextEntry::getScope).toList();
        assertTrue(scopes.contains("acme:default") && scopes.contains("global:default"), scopes::toString);
        assertFalse(scopes.contains("secret:vault"), "no entry of a namespace the caller may not read");
        assertEquals(List.of("secret:vault"), found.getOmittedScopesList(), "secret:default, above it, is not named");
        GetTaskContextResponse all = search("root", "acme:team");
        assertTrue(all.getEntriesList().stream().anyMatch(entry -> entry.getScope().equals("secret:vault")));
        assertTrue(all.getOmittedScopesList().isEmpty());
        denied("kaizen:read:secret", () -> search("acme-reader", "secret:vault"));
        denied("kaizen:read:secret", () -> search("acme-reader", "secret:no-such-scope"));
        assertFalse(search("outsider", "global:default").getEntriesList().isEmpty(), "global is readable by everyone");
    }

    @Test
    void namespacesScopesAndParentsOfAnUnreadableNamespaceStayOutOfSight() {
        List<String> listed = namespaces("acme-reader").listNamespaces(ListNamespacesRequest.getDefaultInstance())
                .getNamespacesList().stream().map(Namespace::getName).toList();
        assertEquals(List.of("acme", "global"), listed);
        String existing = denied("kaizen:read:secret", () -> namespaces("acme-reader").listNamespaces(
                ListNamespacesRequest.newBuilder().setName("secret").build()));
        String nonexistent = denied("kaizen:read:nothing", () -> namespaces("acme-reader").listNamespaces(
                ListNamespacesRequest.newBuilder().setName("nothing").build()));
        assertEquals(existing.replace("secret", "X"), nonexistent.replace("nothing", "X"));
        denied("kaizen:read:secret", () -> scopes("acme-reader").getScope(GetScopeRequest.newBuilder().setScope("secret:vault").build()));
        denied("kaizen:read:secret", () -> scopes("acme-admin").createScope(CreateScopeRequest.newBuilder()
                .setScope("acme:stealer").setDescription("Inherits").addParents("secret:vault").build()));
        denied("kaizen:read:secret", () -> scopes("acme-admin").updateScope(UpdateScopeRequest.newBuilder()
                .setScope("acme:team").setParents(ScopeParents.newBuilder().addScopes("secret:no-such-scope")).build()));
        scopes("acme-admin").createScope(CreateScopeRequest.newBuilder().setScope("acme:tools").setDescription("Tools")
                .addParents("global:default").build());
        Iterator<ExportKnowledgeResponse> exported = knowledge("acme-reader").exportKnowledge(ExportKnowledgeRequest.getDefaultInstance());
        List<String> exportedScopes = new java.util.ArrayList<>();
        exported.forEachRemaining(entry -> exportedScopes.add(entry.getEntry().getScope()));
        assertFalse(exportedScopes.isEmpty());
        assertTrue(exportedScopes.stream().allMatch(scope -> scope.startsWith("acme:") || scope.startsWith("global:")),
                exportedScopes::toString);
        denied("kaizen:read:secret", () -> knowledge("acme-reader").exportKnowledge(ExportKnowledgeRequest.newBuilder()
                .setNamespace("secret").build()).hasNext());
    }

    @Test
    void listingStaleKnowledgeNeedsReadAndTellsNothingOfNamespacesTheCallerMayNotRead() {
        scopes("root").createScope(CreateScopeRequest.newBuilder().setScope("acme:review").setDescription("Review").build());
        java.time.Instant old = java.time.Instant.now().minus(java.time.Duration.ofDays(400));
        long id = knowledge("acme-writer").importKnowledge(ImportKnowledgeRequest.newBuilder().addEntries(KnowledgeEntry
                .newBuilder().setScope("acme:review").setContent("An old rule").setContext("old rule")
                .setUpdateTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(old.getEpochSecond()))).build()).getIds(0);
        assertEquals(List.of(id), knowledge("acme-reader").listStaleKnowledge(ListStaleKnowledgeRequest.newBuilder()
                .setScope("acme:review").build()).getEntriesList().stream().map(entry -> entry.getId()).toList(),
                "read is enough");
        denied("kaizen:read:acme", () -> knowledge("outsider").listStaleKnowledge(ListStaleKnowledgeRequest.newBuilder()
                .setScope("acme:review").build()));
        String existing = denied("kaizen:read:secret", () -> knowledge("acme-reader").listStaleKnowledge(
                ListStaleKnowledgeRequest.newBuilder().setScope("secret:vault").build()));
        String absent = denied("kaizen:read:secret", () -> knowledge("acme-reader").listStaleKnowledge(
                ListStaleKnowledgeRequest.newBuilder().setScope("secret:no-such-scope").build()));
        assertEquals(existing, absent, "a scope there and one that is not look the same");
    }

    @Test
    void entriesRecordWhoWroteAndChangedThemAndImportsKeepThatOnlyForAdmins() {
        long id = write("acme-writer", "acme:default", "Attributed entry", "attribution");
        knowledge("acme-admin").updateKnowledge(UpdateKnowledgeRequest.newBuilder().setId(id).setContext("attribution changed").build());
        KnowledgeEntry entry = knowledge("acme-reader").getKnowledge(GetKnowledgeRequest.newBuilder().addIds(id).build()).getEntries(0);
        assertEquals("acme-writer", entry.getCreatedBy());
        assertEquals("acme-admin", entry.getUpdatedBy());
        KnowledgeEntry claimed = KnowledgeEntry.newBuilder().setScope("acme:default").setContent("Imported")
                .setContext("imported").setCreatedBy("someone-else").setUpdatedBy("someone-else").build();
        long byWriter = knowledge("acme-writer").importKnowledge(ImportKnowledgeRequest.newBuilder().addEntries(claimed).build()).getIds(0);
        // other content: the same content and context in the same scope would be the writer's entry, already there
        long byRoot = knowledge("root").importKnowledge(ImportKnowledgeRequest.newBuilder()
                .addEntries(claimed.toBuilder().setContent("Imported by a server admin")).build()).getIds(0);
        List<KnowledgeEntry> imported = knowledge("root").getKnowledge(GetKnowledgeRequest.newBuilder().addIds(byWriter)
                .addIds(byRoot).build()).getEntriesList();
        assertEquals("acme-writer", imported.get(0).getCreatedBy(), "a writer's import records the writer");
        assertEquals("someone-else", imported.get(1).getCreatedBy(), "a server admin's import is a restore");
        denied("kaizen:write:secret", () -> knowledge("acme-writer").importKnowledge(ImportKnowledgeRequest.newBuilder()
                .addEntries(claimed.toBuilder().setScope("secret:vault")).build()));
    }

    @Test
    void everyChangeIsAuditedAndTheLogIsForAdminsAndAppendOnly() {
        long id = write("acme-writer", "acme:default", "Audited entry", "audit");
        knowledge("acme-writer").deleteKnowledge(DeleteKnowledgeRequest.newBuilder().setId(id).build());
        List<AuditEvent> acme = AuditServiceGrpc.newBlockingStub(as("acme-admin")).listAuditEvents(
                ListAuditEventsRequest.newBuilder().setNamespace("acme").build()).getEventsList();
        assertEquals("knowledge.delete", acme.get(0).getAction());
        assertEquals("acme-writer", acme.get(0).getPrincipal());
        assertEquals(String.valueOf(id), acme.get(0).getTarget());
        assertEquals("knowledge.write", acme.get(1).getAction());
        assertTrue(acme.stream().allMatch(event -> event.getNamespace().equals("acme")));
        List<AuditEvent> all = AuditServiceGrpc.newBlockingStub(as("root")).listAuditEvents(
                ListAuditEventsRequest.newBuilder().setPageSize(1000).build()).getEventsList();
        assertTrue(all.stream().anyMatch(event -> event.getAction().equals("namespace.create")
                && event.getTarget().equals("secret") && event.getPrincipal().equals("root")));
        denied("kaizen:admin:acme", () -> AuditServiceGrpc.newBlockingStub(as("acme-writer")).listAuditEvents(
                ListAuditEventsRequest.newBuilder().setNamespace("acme").build()));
        denied("kaizen:admin", () -> AuditServiceGrpc.newBlockingStub(as("acme-admin")).listAuditEvents(
                ListAuditEventsRequest.getDefaultInstance()));
        for (String tamper : List.of("UPDATE audit_event SET principal = 'nobody'", "DELETE FROM audit_event",
                "TRUNCATE audit_event")) {
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> service.sql(tamper));
            assertTrue(String.valueOf(refused.getCause().getMessage()).contains("append-only"), tamper);
        }
    }
}
