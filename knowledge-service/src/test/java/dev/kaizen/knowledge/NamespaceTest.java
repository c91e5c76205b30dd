package dev.kaizen.knowledge;

import java.util.List;

import dev.kaizen.api.v1.CreateNamespaceRequest;
import dev.kaizen.api.v1.CreateScopeRequest;
import dev.kaizen.api.v1.DeleteNamespaceRequest;
import dev.kaizen.api.v1.DeleteNamespaceResponse;
import dev.kaizen.api.v1.GetKnowledgeRequest;
import dev.kaizen.api.v1.ListNamespacesRequest;
import dev.kaizen.api.v1.Namespace;
import dev.kaizen.api.v1.NamespaceView;
import dev.kaizen.api.v1.Scope;
import dev.kaizen.api.v1.UpdateNamespaceRequest;
import dev.kaizen.api.v1.WriteKnowledgeRequest;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NamespaceTest extends ServiceTest {

    @Test
    void globalDefaultExistsFromTheStart() {
        Namespace global = getNamespace("global", NamespaceView.NAMESPACE_VIEW_SCOPE_PARENTS);
        assertEquals(1, global.getScopesCount());
        assertEquals("global:default", global.getScopes(0).getName());
        assertEquals(List.of(), global.getScopes(0).getParentsList());
    }

    @Test
    void creatingANamespaceCreatesItsDefaultScopeUnderGlobalDefault() {
        String name = unique("acme");
        Namespace created = createNamespace(name);
        assertEquals(name, created.getName());
        assertEquals(List.of(name + ":default"), created.getScopesList().stream().map(Scope::getName).toList());
        Scope defaultScope = getNamespace(name, NamespaceView.NAMESPACE_VIEW_SCOPE_PARENTS).getScopes(0);
        assertEquals(List.of("global:default"), defaultScope.getParentsList());
    }

    @Test
    void listViewsAddScopesThenParents() {
        String name = unique("views");
        createNamespace(name);
        service.scopes().createScope(CreateScopeRequest.newBuilder().setScope(name + ":api").setDescription("API").build());
        Namespace basic = getNamespace(name, NamespaceView.NAMESPACE_VIEW_BASIC);
        Namespace scopes = getNamespace(name, NamespaceView.NAMESPACE_VIEW_SCOPES);
        Namespace parents = getNamespace(name, NamespaceView.NAMESPACE_VIEW_SCOPE_PARENTS);
        assertEquals(0, basic.getScopesCount());
        assertEquals(List.of(name + ":default", name + ":api"), scopes.getScopesList().stream().map(Scope::getName).toList());
        assertEquals(0, scopes.getScopes(1).getParentsCount());
        assertEquals(List.of(name + ":default"), parents.getScopes(1).getParentsList());
        List<String> all = service.namespaces().listNamespaces(ListNamespacesRequest.getDefaultInstance())
                .getNamespacesList().stream().map(Namespace::getName).toList();
        assertTrue(all.contains("global") && all.contains(name));
        assertEquals(all.stream().sorted().toList(), all, "namespaces come in name order");
    }

    @Test
    void unknownNamespaceIsNotFound() {
        assertRefused(Status.Code.NOT_FOUND, () -> getNamespace(unique("missing"), NamespaceView.NAMESPACE_VIEW_BASIC));
    }

    @Test
    void globalCannotBeRenamedRedescribedOrDeleted() {
        assertRefused(Status.Code.FAILED_PRECONDITION, () -> service.namespaces().updateNamespace(
                UpdateNamespaceRequest.newBuilder().setName("global").setNewName("world").build()));
        assertRefused(Status.Code.FAILED_PRECONDITION, () -> service.namespaces().updateNamespace(
                UpdateNamespaceRequest.newBuilder().setName("global").setDescription("Mine now").build()));
        String message = assertRefused(Status.Code.FAILED_PRECONDITION, () -> service.namespaces().deleteNamespace(
                DeleteNamespaceRequest.newBuilder().setName("global").build()));
        assertTrue(message.contains("protected"), message);
        assertEquals("global", getNamespace("global", NamespaceView.NAMESPACE_VIEW_BASIC).getName());
    }

    @Test
    void duplicateNamespaceNameIsRefused() {
        String name = unique("dup");
        createNamespace(name);
        assertRefused(Status.Code.ALREADY_EXISTS, () -> createNamespace(name));
        assertRefused(Status.Code.ALREADY_EXISTS, () -> createNamespace("global"));
    }

    @Test
    void renameToATakenNameIsRefused() {
        String first = unique("first");
        String second = unique("second");
        createNamespace(first);
        createNamespace(second);
        assertRefused(Status.Code.ALREADY_EXISTS, () -> service.namespaces().updateNamespace(
                UpdateNamespaceRequest.newBuilder().setName(first).setNewName(second).build()));
    }

    @Test
    void renamingANamespaceRenamesItsScopesAndKeepsKnowledgeAttached() {
        String old = unique("old");
        createNamespace(old);
        service.scopes().createScope(CreateScopeRequest.newBuilder().setScope(old + ":web").setDescription("Web").build());
        long id = service.knowledge().writeKnowledge(WriteKnowledgeRequest.newBuilder()
                .setScope(old + ":web").setContent("Use semantic HTML.").setContext("html semantics").build()).getId();
        String renamed = unique("new");

        Namespace updated = service.namespaces().updateNamespace(UpdateNamespaceRequest.newBuilder()
                .setName(old).setNewName(renamed).setDescription("Renamed team").build()).getNamespace();

        assertEquals(renamed, updated.getName());
        assertEquals("Renamed team", updated.getDescription());
        assertEquals(List.of(renamed + ":default", renamed + ":web"),
                updated.getScopesList().stream().map(Scope::getName).toList());
        assertEquals(renamed + ":web", service.knowledge().getKnowledge(GetKnowledgeRequest.newBuilder().addIds(id).build())
                .getEntries(0).getScope());
        assertRefused(Status.Code.NOT_FOUND, () -> getNamespace(old, NamespaceView.NAMESPACE_VIEW_BASIC));
    }

    @Test
    void updateNeedsSomethingToChange() {
        String name = unique("idle");
        createNamespace(name);
        assertRefused(Status.Code.INVALID_ARGUMENT, () -> service.namespaces().updateNamespace(
                UpdateNamespaceRequest.newBuilder().setName(name).build()));
    }

    @Test
    void deletingANamespaceReportsScopesAndKnowledgeDeletedAndDropsLinksIntoIt() {
        String doomed = unique("doomed");
        String other = unique("other");
        createNamespace(doomed);
        createNamespace(other);
        service.scopes().createScope(CreateScopeRequest.newBuilder().setScope(doomed + ":aa").setDescription("Scope A").build());
        service.scopes().createScope(CreateScopeRequest.newBuilder().setScope(other + ":bb").setDescription("Scope B")
                .addParents(doomed + ":aa").build());
        for (String scope : List.of(doomed + ":default", doomed + ":aa", doomed + ":aa")) {
            service.knowledge().writeKnowledge(WriteKnowledgeRequest.newBuilder().setScope(scope)
                    .setContent("Entry in " + scope).setContext("doomed entry").build());
        }
        service.knowledge().writeKnowledge(WriteKnowledgeRequest.newBuilder().setScope(other + ":bb")
                .setContent("Survivor").setContext("survivor").build());

        DeleteNamespaceResponse deleted = service.namespaces().deleteNamespace(
                DeleteNamespaceRequest.newBuilder().setName(doomed).build());

        assertEquals(doomed, deleted.getName());
        assertEquals(2, deleted.getScopesDeleted());
        assertEquals(3, deleted.getKnowledgeDeleted());
        assertEquals(List.of(other + ":default"),
                getNamespace(other, NamespaceView.NAMESPACE_VIEW_SCOPE_PARENTS).getScopes(1).getParentsList());
        assertRefused(Status.Code.NOT_FOUND, () -> service.namespaces().deleteNamespace(
                DeleteNamespaceRequest.newBuilder().setName(doomed).build()));
    }

    @Test
    void namesAndDescriptionsAreValidated() {
        for (String bad : List.of("", "a", "Upper", "with space", "under_score", "x".repeat(65), "acme:x")) {
            String message = assertRefused(Status.Code.INVALID_ARGUMENT, () -> service.namespaces().createNamespace(
                    CreateNamespaceRequest.newBuilder().setName(bad).setDescription("Fine").build()));
            assertTrue(message.startsWith("name"), message);
        }
        for (String bad : List.of("", "x", "   ", "d".repeat(65), "\u00A0\u00A0", "\u0085\u0085", "\u200B\u200B",
                "\uD83D\uDE80".repeat(65))) {
            String message = assertRefused(Status.Code.INVALID_ARGUMENT, () -> service.namespaces().createNamespace(
                    CreateNamespaceRequest.newBuilder().setName(unique("ok")).setDescription(bad).build()));
            assertTrue(message.startsWith("description"), message);
        }
        service.namespaces().createNamespace(CreateNamespaceRequest.newBuilder().setName("x".repeat(64)).setDescription("Longest name").build());
        assertEquals("\uD83D\uDE80".repeat(64), service.namespaces().createNamespace(CreateNamespaceRequest.newBuilder()
                .setName(unique("emoji")).setDescription("\uD83D\uDE80".repeat(64)).build()).getNamespace().getDescription(),
                "64 characters, however many UTF-16 units");
        assertEquals("d".repeat(64), service.namespaces().createNamespace(CreateNamespaceRequest.newBuilder()
                .setName(unique("long")).setDescription("d".repeat(64)).build()).getNamespace().getDescription());
    }
}
