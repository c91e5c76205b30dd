package dev.kaizen.knowledge;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.kaizen.api.v1.CreateScopeRequest;
import dev.kaizen.api.v1.DeleteScopeRequest;
import dev.kaizen.api.v1.DeleteScopeResponse;
import dev.kaizen.api.v1.GetKnowledgeRequest;
import dev.kaizen.api.v1.NamespaceView;
import dev.kaizen.api.v1.Scope;
import dev.kaizen.api.v1.ScopeParents;
import dev.kaizen.api.v1.UpdateScopeRequest;
import dev.kaizen.api.v1.WriteKnowledgeRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScopeTest extends ServiceTest {

    @Test
    void atMostAHundredParentsAsGivenRepeatsIncluded() {
        String ns = namespace();
        String[] hundred = java.util.Collections.nCopies(100, ns + ":default").toArray(String[]::new);
        assertEquals(List.of(ns + ":default"), createScope(ns + ":many", hundred).getParentsList());
        String[] more = java.util.Collections.nCopies(101, ns + ":default").toArray(String[]::new);
        assertTrue(assertRefused(Status.Code.INVALID_ARGUMENT, () -> createScope(ns + ":more", more))
                .startsWith("parents has 101 scopes"));
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> setParents(ns + ":many",
                java.util.Collections.nCopies(10_000, ns + ":default").toArray(String[]::new)));
    }

    @Test
    void aNewScopeAlwaysHasItsNamespaceDefaultAsParent() {
        String ns = namespace();
        String other = namespace();
        createScope(other + ":shared");
        Scope scope = createScope(ns + ":web", other + ":shared");
        assertEquals(ns + ":web", scope.getName());
        assertEquals("Scope web", scope.getDescription());
        assertEquals(List.of(ns + ":default", other + ":shared"), scope.getParentsList());
    }

    @Test
    void replacingParentsKeepsTheNamespaceDefault() {
        String ns = namespace();
        createScope(ns + ":base");
        createScope(ns + ":app", ns + ":base");
        Scope updated = setParents(ns + ":app");
        assertEquals(List.of(ns + ":default"), updated.getParentsList());
        assertEquals(List.of(ns + ":base", ns + ":default"), setParents(ns + ":app", ns + ":base").getParentsList());
    }

    @Test
    void scopeInAMissingNamespaceOrWithAMissingParentIsNotFound() {
        String ns = namespace();
        assertRefused(Status.Code.NOT_FOUND, () -> createScope(unique("nowhere") + ":web"));
        String message = assertRefused(Status.Code.NOT_FOUND, () -> createScope(ns + ":web", ns + ":ghost"));
        assertTrue(message.contains(ns + ":ghost"), message);
        assertRefused(Status.Code.NOT_FOUND, () -> setParents(ns + ":ghost"));
    }

    @Test
    void duplicateScopeNamesAreRefused() {
        String ns = namespace();
        createScope(ns + ":web");
        assertRefused(Status.Code.ALREADY_EXISTS, () -> createScope(ns + ":web"));
        assertRefused(Status.Code.ALREADY_EXISTS, () -> createScope(ns + ":default"));
        createScope(ns + ":api");
        assertRefused(Status.Code.ALREADY_EXISTS, () -> service.scopes().updateScope(UpdateScopeRequest.newBuilder()
                .setScope(ns + ":api").setNewScope(ns + ":web").build()));
    }

    @Test
    void renamingKeepsTheScopeInItsNamespaceAndItsKnowledge() {
        String ns = namespace();
        createScope(ns + ":old");
        long id = service.knowledge().writeKnowledge(WriteKnowledgeRequest.newBuilder().setScope(ns + ":old")
                .setContent("Knowledge that moves with its scope.").setContext("rename").build()).getId();
        Scope renamed = service.scopes().updateScope(UpdateScopeRequest.newBuilder().setScope(ns + ":old")
                .setNewScope(ns + ":new").setDescription("Renamed scope").build()).getScope();
        assertEquals(ns + ":new", renamed.getName());
        assertEquals("Renamed scope", renamed.getDescription());
        assertEquals(ns + ":new", service.knowledge().getKnowledge(GetKnowledgeRequest.newBuilder().addIds(id).build())
                .getEntries(0).getScope());
        String other = namespace();
        String message = assertRefused(Status.Code.INVALID_ARGUMENT, () -> service.scopes().updateScope(
                UpdateScopeRequest.newBuilder().setScope(ns + ":new").setNewScope(other + ":new").build()));
        assertTrue(message.contains("keeps its namespace"), message);
    }

    @Test
    void defaultScopesCannotBeRenamedDeletedOrGivenParents() {
        String ns = namespace();
        createScope(ns + ":web");
        assertRefused(Status.Code.FAILED_PRECONDITION, () -> service.scopes().updateScope(UpdateScopeRequest.newBuilder()
                .setScope(ns + ":default").setNewScope(ns + ":main").build()));
        assertRefused(Status.Code.FAILED_PRECONDITION, () -> setParents(ns + ":default", ns + ":web"));
        assertRefused(Status.Code.FAILED_PRECONDITION, () -> service.scopes().deleteScope(
                DeleteScopeRequest.newBuilder().setScope(ns + ":default").build()));
        assertEquals("New words", service.scopes().updateScope(UpdateScopeRequest.newBuilder()
                .setScope(ns + ":default").setDescription("New words").build()).getScope().getDescription());
    }

    @Test
    void globalDefaultIsProtected() {
        assertRefused(Status.Code.FAILED_PRECONDITION, () -> service.scopes().updateScope(UpdateScopeRequest.newBuilder()
                .setScope("global:default").setDescription("Mine").build()));
        assertRefused(Status.Code.FAILED_PRECONDITION, () -> service.scopes().deleteScope(
                DeleteScopeRequest.newBuilder().setScope("global:default").build()));
    }

    @Test
    void deletingAScopeReportsItsKnowledgeAndChildrenKeepTheirOtherParents() {
        String ns = namespace();
        createScope(ns + ":base");
        createScope(ns + ":extra");
        createScope(ns + ":child", ns + ":base", ns + ":extra");
        for (int i = 0; i < 2; i++) {
            service.knowledge().writeKnowledge(WriteKnowledgeRequest.newBuilder().setScope(ns + ":base")
                    .setContent("Base entry " + i).setContext("base").build());
        }
        DeleteScopeResponse deleted = service.scopes().deleteScope(DeleteScopeRequest.newBuilder().setScope(ns + ":base").build());
        assertEquals(2, deleted.getKnowledgeDeleted());
        Scope child = getNamespace(ns, NamespaceView.NAMESPACE_VIEW_SCOPE_PARENTS).getScopesList().stream()
                .filter(scope -> scope.getName().equals(ns + ":child")).findFirst().orElseThrow();
        assertEquals(List.of(ns + ":default", ns + ":extra"), child.getParentsList());
        assertRefused(Status.Code.NOT_FOUND, () -> service.scopes().deleteScope(
                DeleteScopeRequest.newBuilder().setScope(ns + ":base").build()));
    }

    @Test
    void aScopeCannotBeItsOwnParent() {
        String ns = namespace();
        assertRefused(Status.Code.FAILED_PRECONDITION, () -> createScope(ns + ":self", ns + ":self"));
        createScope(ns + ":self");
        String message = assertRefused(Status.Code.FAILED_PRECONDITION, () -> setParents(ns + ":self", ns + ":self"));
        assertTrue(message.contains("its own parent"), message);
    }

    @Test
    void aParentChangeThatWouldFormACycleIsRefused() {
        String ns = namespace();
        createScope(ns + ":aa");
        createScope(ns + ":bb", ns + ":aa");
        createScope(ns + ":cc", ns + ":bb");
        String message = assertRefused(Status.Code.FAILED_PRECONDITION, () -> setParents(ns + ":aa", ns + ":cc"));
        assertTrue(message.contains("cycle"), message);
        assertEquals(List.of(ns + ":default"), getNamespace(ns, NamespaceView.NAMESPACE_VIEW_SCOPE_PARENTS)
                .getScopesList().stream().filter(scope -> scope.getName().equals(ns + ":aa")).findFirst().orElseThrow()
                .getParentsList(), "a refused change leaves the parents as they were");
    }

    @RepeatedTest(5)
    void twoConcurrentParentChangesNeverTogetherFormACycle() throws Exception {
        String ns = namespace();
        createScope(ns + ":left");
        createScope(ns + ":right");
        CyclicBarrier start = new CyclicBarrier(2);
        List<Callable<Scope>> changes = List.of(
                () -> {
                    start.await();
                    return setParents(ns + ":left", ns + ":right");
                },
                () -> {
                    start.await();
                    return setParents(ns + ":right", ns + ":left");
                });
        List<Object> outcomes = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            for (Future<Scope> outcome : pool.invokeAll(changes)) {
                try {
                    outcomes.add(outcome.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    outcomes.add(((StatusRuntimeException) e.getCause()).getStatus().getCode());
                }
            }
        }
        assertEquals(1, outcomes.stream().filter(Scope.class::isInstance).count(), () -> "outcomes: " + outcomes);
        assertTrue(outcomes.contains(Status.Code.FAILED_PRECONDITION), () -> "outcomes: " + outcomes);
    }

    @Test
    void scopeNamesAndDescriptionsAreValidated() {
        String ns = namespace();
        for (String bad : List.of("", "web", ns + ":", ":web", ns + ":Web", ns + ":a:b", ns + ":w")) {
            String message = assertRefused(Status.Code.INVALID_ARGUMENT, () -> createScope(bad));
            assertTrue(message.startsWith("scope"), message);
        }
        String message = assertRefused(Status.Code.INVALID_ARGUMENT, () -> createScope(ns + ":ok", "bad parent"));
        assertTrue(message.startsWith("parents[0]"), message);
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> service.scopes().createScope(CreateScopeRequest.newBuilder()
                .setScope(ns + ":ok").setDescription(" ").build()));
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> service.scopes().updateScope(UpdateScopeRequest.newBuilder()
                .setScope(ns + ":default").build()));
    }
}
