package dev.kaizen.gateway;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.kaizen.api.ErrorDetails;
import dev.kaizen.api.ErrorDetails.Reason;
import dev.kaizen.api.Headers;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gateway's one path from a tool call to its result or refusal, in process: tools whose handlers
 * fail as knowledge-service's answers do, no server and no network (the client's channel is never
 * used). Runs in milliseconds.
 */
class ToolCallsTest {
    private static final KaizenApi NOWHERE = GatewayServer.client(GatewayServer.config(Map.of("service.target", "dns:///127.0.0.1:1", "service.timeout", "PT1S")));
    private static final ToolCalls CALLS = new ToolCalls(NOWHERE, McpJsonDefaults.getMapper());

    @AfterAll
    static void close() {
        NOWHERE.close();
    }

    /** A tool whose handler fails with {@code failure}. */
    private static KaizenTool failing(RuntimeException failure) {
        return KaizenTools.all().stream().filter(tool -> tool.name().equals("delete_knowledge")).findFirst()
                .map(tool -> new KaizenTool(tool.definition(), (arguments, api) -> {
                    throw failure;
                })).orElseThrow();
    }

    private static McpSchema.CallToolResult call(RuntimeException failure) {
        return CALLS.call(failing(failure), Map.of("id", "1"));
    }

    private static String text(McpSchema.CallToolResult result) {
        return ((McpSchema.TextContent) result.content().getFirst()).text();
    }

    @Test
    void statusesBecomeOneSentenceForTheCaller() {
        assertEquals(ToolCalls.UNAVAILABLE, ToolCalls.message(Status.UNAVAILABLE.withDescription("io exception")
                .asRuntimeException(), "t"));
        assertEquals("Knowledge service did not answer in time, retry later.",
                ToolCalls.message(Status.DEADLINE_EXCEEDED.asRuntimeException(), "t"));
        assertEquals("scope 'a:b' does not exist.", ToolCalls.message(Status.NOT_FOUND
                .withDescription("scope 'a:b' does not exist.").asRuntimeException(), "t"));
        assertEquals("t failed (ABORTED); retry later.", ToolCalls.message(Status.ABORTED.asRuntimeException(), "t"));
        assertEquals("Knowledge service could not run t (UNIMPLEMENTED); retry later.",
                ToolCalls.message(Status.UNIMPLEMENTED.withDescription("Method not found: x").asRuntimeException(), "t"));
    }

    @Test
    void anOversizedRequestIsToldByItsReasonNotByItsWords() {
        String tooLarge = "The request message is larger than the 4 MiB this service reads: send less per call.";
        McpSchema.CallToolResult refused = call(ErrorDetails.refusal(Status.Code.RESOURCE_EXHAUSTED,
                Reason.REQUEST_TOO_LARGE, tooLarge));
        assertTrue(refused.isError());
        assertEquals(tooLarge, text(refused));
        // the same words without the reason are a busy service: the caller is told to retry
        assertEquals(ToolCalls.BUSY, text(call(Status.RESOURCE_EXHAUSTED.withDescription(tooLarge).asRuntimeException())));
        assertEquals(ToolCalls.BUSY, text(call(ErrorDetails.refusal(Status.Code.RESOURCE_EXHAUSTED, Reason.BUSY,
                "knowledge-service is busy"))));
    }

    @Test
    void refusalsKeepTheServicesSentenceAndBugsGetAReference() {
        assertEquals("id 1 does not exist.", text(call(ErrorDetails.refusal(Status.Code.NOT_FOUND, Reason.NOT_FOUND,
                "id 1 does not exist."))));
        McpSchema.CallToolResult bug = call(new NullPointerException("secret internals"));
        assertTrue(bug.isError());
        assertTrue(text(bug).startsWith("Internal error in mcp-gateway (reference "), text(bug));
        assertFalse(text(bug).contains("secret internals"));
        McpSchema.CallToolResult refusal = call(new ToolRefusal("style 'x' is not known."));
        assertEquals("style 'x' is not known.", text(refusal));
    }

    @Test
    void aMissingGrantIsNotedForTheHttpAnswer() {
        Metadata trailers = new Metadata();
        trailers.put(Headers.REQUIRED_GRANT_SCOPE, "kaizen:write:acme");
        StatusRuntimeException denied = Status.PERMISSION_DENIED.withDescription("Permission denied.")
                .asRuntimeException(trailers);
        Caller caller = new Caller("Bearer x", null);
        McpSchema.CallToolResult result = Caller.within(McpTransportContext.create(Map.of(Caller.CONTEXT_KEY, caller)),
                () -> call(denied));
        assertEquals("Permission denied.", text(result));
        assertEquals("kaizen:write:acme", caller.missingGrantScope().orElseThrow());
    }

    @Test
    void argumentsAreRefusedBeforeAnyCall() {
        KaizenTool delete = KaizenTools.all().stream().filter(tool -> tool.name().equals("delete_knowledge"))
                .findFirst().orElseThrow();
        for (Object bad : List.of("0", "x", -1, "1".repeat(20))) {
            McpSchema.CallToolResult result = CALLS.call(delete, Map.of("id", bad));
            assertTrue(result.isError(), String.valueOf(bad));
            assertTrue(text(result).contains("id"), text(result));
        }
    }
}
