package dev.kaizen.knowledge;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import dev.kaizen.api.Rules;
import dev.kaizen.api.v1.AuditServiceProto;
import dev.kaizen.api.v1.ConfigServiceProto;
import dev.kaizen.api.v1.ListAuditEventsRequest;
import dev.kaizen.api.v1.CreateNamespaceRequest;
import dev.kaizen.api.v1.CreateScopeRequest;
import dev.kaizen.api.v1.DeleteNamespaceRequest;
import dev.kaizen.api.v1.DeleteScopeRequest;
import dev.kaizen.api.v1.ExportKnowledgeRequest;
import dev.kaizen.api.v1.GetTaskContextRequest;
import dev.kaizen.api.v1.ImportKnowledgeRequest;
import dev.kaizen.api.v1.KnowledgeEntry;
import dev.kaizen.api.v1.KnowledgeServiceProto;
import dev.kaizen.api.v1.ListNamespacesRequest;
import dev.kaizen.api.v1.ListStaleKnowledgeRequest;
import dev.kaizen.api.v1.NamespaceServiceGrpc;
import dev.kaizen.api.v1.NamespaceServiceProto;
import dev.kaizen.api.v1.ResetConfigRequest;
import dev.kaizen.api.v1.ScopeParents;
import dev.kaizen.api.v1.ScopeServiceProto;
import dev.kaizen.api.v1.UpdateConfigRequest;
import dev.kaizen.api.v1.UpdateKnowledgeRequest;
import dev.kaizen.api.v1.UpdateNamespaceRequest;
import dev.kaizen.api.v1.UpdateScopeRequest;
import dev.kaizen.api.v1.WriteKnowledgeRequest;
import io.grpc.CallOptions;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Hostile strings in every string field of every RPC, found from the API's own descriptors so no
 * field can be forgotten: each call gets a short answer that is not a bug (never INTERNAL), and the
 * very next call on the same connection answers within a second. (A long status message once
 * wedged the whole HTTP/2 connection: see {@link Failures#MESSAGE_MAX_BYTES}.)
 */
class HostileInputTest extends ServiceTest {
    private static final List<ServiceDescriptor> SERVICES = List.of(
            NamespaceServiceProto.getDescriptor().getServices().getFirst(),
            ScopeServiceProto.getDescriptor().getServices().getFirst(),
            KnowledgeServiceProto.getDescriptor().getServices().getFirst(),
            ConfigServiceProto.getDescriptor().getServices().getFirst(),
            AuditServiceProto.getDescriptor().getServices().getFirst());
    private static String ns;

    /** One valid request per RPC; each case changes one string field of it. */
    private static Map<String, Message> valid;

    @BeforeAll
    static void validRequests() {
        ns = namespace();
        createScope(ns + ":team");
        valid = Map.ofEntries(
                Map.entry("ListNamespaces", ListNamespacesRequest.newBuilder().setName(ns).build()),
                Map.entry("CreateNamespace", CreateNamespaceRequest.newBuilder().setName(unique("hostile"))
                        .setDescription("Hostile").build()),
                Map.entry("UpdateNamespace", UpdateNamespaceRequest.newBuilder().setName(ns).setNewName(ns)
                        .setDescription("Same").build()),
                Map.entry("DeleteNamespace", DeleteNamespaceRequest.newBuilder().setName(unique("ghost")).build()),
                Map.entry("CreateScope", CreateScopeRequest.newBuilder().setScope(ns + ":" + unique("new"))
                        .setDescription("New").addParents(ns + ":team").build()),
                Map.entry("UpdateScope", UpdateScopeRequest.newBuilder().setScope(ns + ":team").setNewScope(ns + ":team")
                        .setDescription("Team").setParents(ScopeParents.newBuilder().addScopes(ns + ":default")).build()),
                Map.entry("DeleteScope", DeleteScopeRequest.newBuilder().setScope(ns + ":" + unique("ghost")).build()),
                Map.entry("WriteKnowledge", WriteKnowledgeRequest.newBuilder().setScope(ns + ":team")
                        .setContent("Hostile input is refused.").setContext("hostile input").build()),
                Map.entry("UpdateKnowledge", UpdateKnowledgeRequest.newBuilder().setId(Rules.ID_MAX)
                        .setContent("Changed").setContext("changed").setScope(ns + ":team").build()),
                Map.entry("GetTaskContext", GetTaskContextRequest.newBuilder().setScope(ns + ":team")
                        .addQueries("hostile input").build()),
                Map.entry("ExportKnowledge", ExportKnowledgeRequest.newBuilder().setNamespace(ns).build()),
                Map.entry("ListStaleKnowledge", ListStaleKnowledgeRequest.newBuilder().setScope(ns + ":team").setDays(30)
                        .setPageSize(10).build()),
                Map.entry("ImportKnowledge", ImportKnowledgeRequest.newBuilder().addEntries(KnowledgeEntry.newBuilder()
                        .setScope(ns + ":team").setContent("Imported").setContext("imported")).build()),
                Map.entry("UpdateConfig", UpdateConfigRequest.newBuilder().setKey("search.max_results").setValue("50")
                        .build()),
                Map.entry("ResetConfig", ResetConfigRequest.newBuilder().setKey("search.max_results").build()),
                Map.entry("ListAuditEvents", ListAuditEventsRequest.newBuilder().setNamespace(ns).build()));
    }

    @Test
    void aLongValueInAnyStringFieldGetsAShortAnswerAndTheConnectionStaysUsable() {
        List<String> values = List.of("k".repeat(100_000), "é".repeat(100_000), "\u0001".repeat(100_000),
                "x".repeat(1 << 20));
        int calls = 0;
        for (Case call : cases()) {
            for (String value : values) {
                Status status = call.send(value);
                String what = call + " with " + value.length() + " characters";
                assertFalse(status.getCode() == Status.Code.INTERNAL || status.getCode() == Status.Code.UNKNOWN,
                        () -> what + ": " + status);
                String message = status.getDescription() == null ? "" : status.getDescription();
                assertTrue(message.getBytes(StandardCharsets.UTF_8).length <= Failures.MESSAGE_MAX_BYTES,
                        () -> what + ": a message of " + message.length() + " characters");
                answersWithinASecond(what);
                calls++;
            }
        }
        assertTrue(calls > 80, "every string field of every RPC was tried: " + calls);
    }

    @Test
    void aNulCharacterInAnyStringFieldIsRefusedNamingTheField() {
        for (Case call : cases()) {
            Status status = call.send("ab\u0000cd");
            assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode(), () -> call + ": " + status);
            assertTrue(status.getDescription().startsWith(call.field() + " contains a NUL character"),
                    () -> call + ": " + status.getDescription());
            answersWithinASecond(call.toString());
        }
    }

    private static void answersWithinASecond(String after) {
        try {
            NamespaceServiceGrpc.newBlockingStub(service.channel).withDeadlineAfter(1, TimeUnit.SECONDS)
                    .listNamespaces(ListNamespacesRequest.getDefaultInstance());
        } catch (StatusRuntimeException e) {
            fail("the connection no longer answers after " + after + ": " + e.getStatus());
        }
    }

    /** One RPC with one of its string fields (a path through nested and repeated fields) to fill. */
    private record Case(ServiceDescriptor api, MethodDescriptor method, List<FieldDescriptor> path) {
        String field() {
            StringBuilder name = new StringBuilder();
            for (FieldDescriptor field : path) {
                name.append(name.isEmpty() ? "" : ".").append(field.getName()).append(field.isRepeated() ? "[0]" : "");
            }
            return name.toString();
        }

        Status send(String value) {
            Message request = with(valid.getOrDefault(method.getName(),
                    DynamicMessage.getDefaultInstance(method.getInputType())), path, value);
            io.grpc.MethodDescriptor<Message, DynamicMessage> grpc = io.grpc.MethodDescriptor.<Message, DynamicMessage>newBuilder()
                    .setType(method.isServerStreaming() ? io.grpc.MethodDescriptor.MethodType.SERVER_STREAMING
                            : io.grpc.MethodDescriptor.MethodType.UNARY)
                    .setFullMethodName(io.grpc.MethodDescriptor.generateFullMethodName(api.getFullName(), method.getName()))
                    .setRequestMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getInputType())))
                    .setResponseMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(method.getOutputType())))
                    .build();
            CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS);
            try {
                if (method.isServerStreaming()) {
                    Iterator<DynamicMessage> responses = ClientCalls.blockingServerStreamingCall(service.channel, grpc,
                            options, request);
                    responses.forEachRemaining(response -> { });
                } else {
                    ClientCalls.blockingUnaryCall(service.channel, grpc, options, request);
                }
                return Status.OK;
            } catch (StatusRuntimeException e) {
                return e.getStatus();
            }
        }

        @Override
        public String toString() {
            return method.getName() + " " + field();
        }
    }

    /** Every string field of every RPC's request, nested messages included. */
    private static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (ServiceDescriptor api : SERVICES) {
            for (MethodDescriptor method : api.getMethods()) {
                for (List<FieldDescriptor> path : stringPaths(method.getInputType(), List.of())) {
                    cases.add(new Case(api, method, path));
                }
            }
        }
        return cases;
    }

    private static List<List<FieldDescriptor>> stringPaths(com.google.protobuf.Descriptors.Descriptor type,
                                                           List<FieldDescriptor> prefix) {
        List<List<FieldDescriptor>> paths = new ArrayList<>();
        for (FieldDescriptor field : type.getFields()) {
            List<FieldDescriptor> path = new ArrayList<>(prefix);
            path.add(field);
            if (field.getType() == FieldDescriptor.Type.STRING) {
                paths.add(path);
            } else if (field.getType() == FieldDescriptor.Type.MESSAGE && prefix.size() < 3) {
                paths.addAll(stringPaths(field.getMessageType(), path));
            }
        }
        return paths;
    }

    /** {@code message} with the string at {@code path} set to {@code value} (the first element of a repeated field). */
    private static Message with(Message message, List<FieldDescriptor> path, String value) {
        FieldDescriptor field = path.getFirst();
        Message.Builder builder = message.toBuilder();
        Object replacement;
        if (path.size() == 1) {
            replacement = value;
        } else {
            Message nested = field.isRepeated()
                    ? (message.getRepeatedFieldCount(field) > 0 ? (Message) message.getRepeatedField(field, 0)
                    : DynamicMessage.getDefaultInstance(field.getMessageType()))
                    : (Message) message.getField(field);
            replacement = with(nested, path.subList(1, path.size()), value);
        }
        if (!field.isRepeated()) {
            builder.setField(field, replacement);
        } else if (message.getRepeatedFieldCount(field) > 0) {
            builder.setRepeatedField(field, 0, replacement);
        } else {
            builder.addRepeatedField(field, replacement);
        }
        return builder.build();
    }
}
