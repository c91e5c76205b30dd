package dev.kaizen.knowledge;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import dev.kaizen.api.RawMessages;
import dev.kaizen.api.v1.ImportKnowledgeRequest;
import dev.kaizen.api.v1.KnowledgeEntry;
import dev.kaizen.api.v1.KnowledgeServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Requests whose bytes are not a message, as a broken or hostile client sends them: answered at once. */
class UnreadableRequestTest extends ServiceTest {
    private static Status send(MethodDescriptor<?, ?> method, byte[] request) {
        MethodDescriptor<byte[], byte[]> raw = RawMessages.rawBoth(method);
        Instant start = Instant.now();
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(
                service.channel, raw, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), request));
        assertTrue(Duration.between(start, Instant.now()).toSeconds() < 5, "answered at once, not at the deadline");
        return refused.getStatus();
    }

    @Test
    void bytesThatAreNotProtobufAreInvalidArgument() {
        for (byte[] broken : new byte[][] {
                {(byte) 0xff, (byte) 0xff, (byte) 0xff}, // not a field
                {0x12, 0x10, 'a', 'b'}, // a string field whose length runs past the end
                {0x12, 0x03, (byte) 0xed, (byte) 0xa0, (byte) 0x80}, // content: an unpaired surrogate as grpc-js encodes it
                {0x0a, 0x02, (byte) 0xc3, 0x28}}) { // scope: invalid UTF-8
            Status status = send(KnowledgeServiceGrpc.getWriteKnowledgeMethod(), broken);
            assertEquals(Status.Code.INVALID_ARGUMENT, status.getCode(), status::toString);
            assertTrue(status.getDescription().contains("kaizen.v1.KnowledgeService/WriteKnowledge"), status::toString);
        }
        assertTrue(found(namespace() + ":default", "anything").isEmpty(), "the service still serves");
    }

    @Test
    void aMessageLargerThanTheServiceReadsIsRefusedAtOnce() {
        KnowledgeEntry entry = KnowledgeEntry.newBuilder().setScope(namespace() + ":default")
                .setContent("x".repeat(60_000)).setContext("large").build();
        ImportKnowledgeRequest.Builder request = ImportKnowledgeRequest.newBuilder();
        for (int i = 0; i < 80; i++) { // 4.8 MB, over the 4 MiB of knowledge-service.yaml
            request.addEntries(entry);
        }
        Status status = send(KnowledgeServiceGrpc.getImportKnowledgeMethod(), request.build().toByteArray());
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, status.getCode(), status::toString);
        assertTrue(status.getDescription().contains("MiB"), status::toString);
    }
}
