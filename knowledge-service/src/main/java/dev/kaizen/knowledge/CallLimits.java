package dev.kaizen.knowledge;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import dev.kaizen.api.ErrorDetails;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Every call within its caller's deadline, and never more calls at work than the database can serve:
 * <ul>
 *     <li>The caller's {@code grpc-timeout} becomes the call's {@link Context} deadline (Helidon 4.5.0
 *     reads it nowhere: Helidon workaround (helidon-patches/README.md)), and a call the caller cancels cancels its context; {@link Database} bounds
 *     each statement by what is left and cancels it with the context.</li>
 *     <li>At most {@code concurrent} calls run at once; a call waits for its turn at most
 *     {@code queueWait} (or what is left of its deadline), then gets RESOURCE_EXHAUSTED at once
 *     instead of queueing without bound.</li>
 * </ul>
 * Health checks and reflection are exempt: probes must answer even while the service is busy.
 */
final class CallLimits implements ServerInterceptor {
    private static final Metadata.Key<String> TIMEOUT = Metadata.Key.of("grpc-timeout", Metadata.ASCII_STRING_MARSHALLER);
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("call-deadlines").factory());

    private final Semaphore turns;
    private final int concurrent;
    private final Duration queueWait;

    CallLimits(int concurrent, Duration queueWait) {
        this.turns = new Semaphore(concurrent, true);
        this.concurrent = concurrent;
        this.queueWait = queueWait;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String service = call.getMethodDescriptor().getServiceName();
        if (service == null || !service.startsWith("kaizen.")) {
            return next.startCall(call, headers);
        }
        Duration timeout = timeout(headers.get(TIMEOUT));
        Context.CancellableContext context = timeout == null ? Context.current().withCancellation()
                : Context.current().withDeadline(Deadline.after(timeout.toNanos(), TimeUnit.NANOSECONDS), TIMER);
        ServerCall.Listener<Q> listener = Contexts.interceptCall(context, call, headers, next);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onHalfClose() {
                // the handler runs here, within the context; it waits its turn first
                long wait = queueWait.toNanos();
                if (context.getDeadline() != null) {
                    wait = Math.min(wait, context.getDeadline().timeRemaining(TimeUnit.NANOSECONDS));
                }
                boolean turn;
                try {
                    turn = turns.tryAcquire(Math.max(0, wait), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    turn = false;
                }
                if (!turn) {
                    context.cancel(null);
                    Failures.close(call, ErrorDetails.refusal(Status.Code.RESOURCE_EXHAUSTED, ErrorDetails.Reason.BUSY,
                            "knowledge-service is busy: " + concurrent + " calls are being served and this one waited "
                            + "its turn for " + queueWait.toMillis() + " ms; retry in about a second."));
                    return;
                }
                try {
                    super.onHalfClose();
                } finally {
                    turns.release();
                }
            }

            @Override
            public void onCancel() {
                try {
                    super.onCancel();
                } finally {
                    context.cancel(null);
                }
            }

            @Override
            public void onComplete() {
                try {
                    super.onComplete();
                } finally {
                    context.cancel(null);
                }
            }
        };
    }

    /** A {@code grpc-timeout} value (1-8 digits and a unit H, M, S, m, u or n); null when absent or malformed. */
    static Duration timeout(String value) {
        if (value == null || !value.matches("[0-9]{1,8}[HMSmun]")) {
            return null;
        }
        long amount = Long.parseLong(value.substring(0, value.length() - 1));
        return switch (value.charAt(value.length() - 1)) {
            case 'H' -> Duration.ofHours(amount);
            case 'M' -> Duration.ofMinutes(amount);
            case 'S' -> Duration.ofSeconds(amount);
            case 'm' -> Duration.ofMillis(amount);
            case 'u' -> Duration.ofNanos(amount * 1_000);
            default -> Duration.ofNanos(amount);
        };
    }
}
