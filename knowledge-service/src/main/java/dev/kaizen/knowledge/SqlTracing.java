package dev.kaizen.knowledge;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.kaizen.runtime.Tracing;
import io.helidon.dbclient.DbClientService;
import io.helidon.dbclient.DbClientServiceContext;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;

/**
 * A client span per SQL statement a call runs, a child of the call's span: named after the
 * statement's operation and main table ({@code SELECT knowledge}), with the statement's text (its
 * parameters are {@code ?}, so no value a caller sent is in it), the method that ran it, and which
 * pool served it ({@code kaizen.db.pool}: primary or replica). Installed only when tracing is on.
 */
final class SqlTracing implements DbClientService {
    /** Statement text beyond this is cut: the spans stay small. */
    private static final int TEXT_LIMIT = 2048;
    private static final Pattern TARGET = Pattern.compile(
            "\\b(?:INSERT\\s+INTO|UPDATE|DELETE\\s+FROM|FROM)\\s+([a-z_][a-z0-9_.]*)", Pattern.CASE_INSENSITIVE);
    private static final Pattern MODIFYING = Pattern.compile(
            "\\b(INSERT\\s+INTO|UPDATE|DELETE\\s+FROM)\\s+([a-z_][a-z0-9_.]*)", Pattern.CASE_INSENSITIVE);
    private static final Pattern FUNCTION = Pattern.compile("^\\w+\\s+([a-z_][a-z0-9_]*)\\s*\\(", Pattern.CASE_INSENSITIVE);
    private static final StackWalker STACK = StackWalker.getInstance();

    private final Tracer tracer;
    private final String pool;
    private final String database;
    private final String host;
    private final int port;

    SqlTracing(Tracing tracing, String pool, String jdbcUrl) {
        this.tracer = tracing.tracer("dev.kaizen.knowledge.sql");
        this.pool = pool;
        URI uri = URI.create(jdbcUrl.startsWith("jdbc:") ? jdbcUrl.substring(5) : jdbcUrl);
        this.host = uri.getHost() == null ? "" : uri.getHost();
        this.port = uri.getPort() < 0 ? 5432 : uri.getPort();
        String path = uri.getPath() == null ? "" : uri.getPath();
        this.database = path.startsWith("/") ? path.substring(1) : path;
    }

    @Override
    public DbClientServiceContext statement(DbClientServiceContext statement) {
        String sql = statement.statement();
        String[] summary = summary(sql);
        Span span = tracer.spanBuilder(summary[1].isEmpty() ? summary[0] : summary[0] + " " + summary[1])
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute("db.system.name", "postgresql")
                .setAttribute("db.namespace", database)
                .setAttribute("db.operation.name", summary[0])
                .setAttribute("db.collection.name", summary[1])
                .setAttribute("db.query.text", sql.length() > TEXT_LIMIT ? sql.substring(0, TEXT_LIMIT) : sql)
                .setAttribute("server.address", host)
                .setAttribute("server.port", port)
                .setAttribute("kaizen.db.pool", pool)
                .setAttribute("code.function.name", caller())
                .startSpan();
        statement.statementFuture().whenComplete((done, failure) -> {
            if (failure != null) {
                span.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
            }
            span.end();
        });
        return statement;
    }

    /** The statement's operation (SELECT, INSERT, ...) and main table: the one a WITH statement changes, else the first read. */
    static String[] summary(String sql) {
        String text = sql.strip();
        int end = 0;
        while (end < text.length() && Character.isLetter(text.charAt(end))) {
            end++;
        }
        String operation = text.substring(0, end).toUpperCase(Locale.ROOT);
        Matcher target;
        if (operation.equals("WITH")) {
            Matcher modifying = MODIFYING.matcher(text);
            if (modifying.find()) {
                operation = modifying.group(1).split("\\s+")[0].toUpperCase(Locale.ROOT);
                return new String[] {operation, modifying.group(2)};
            }
            operation = "SELECT";
        }
        target = TARGET.matcher(text);
        if (target.find()) {
            return new String[] {operation, target.group(1)};
        }
        // no table: the function it calls (SELECT set_config(...))
        Matcher function = FUNCTION.matcher(text);
        return new String[] {operation, function.find() ? function.group(1) : ""};
    }

    /** The service method that ran the statement, e.g. {@code KnowledgeService.writeKnowledge}. */
    private static String caller() {
        Optional<StackWalker.StackFrame> frame = STACK.walk(frames -> frames
                .filter(f -> f.getClassName().startsWith("dev.kaizen.knowledge.")
                        && !f.getClassName().equals(SqlTracing.class.getName())
                        && !f.getClassName().equals(Sql.class.getName())
                        && !f.getClassName().startsWith(Database.class.getName())
                        && !f.getMethodName().startsWith("lambda$"))
                .findFirst());
        return frame.map(f -> f.getClassName().substring(f.getClassName().lastIndexOf('.') + 1) + "." + f.getMethodName())
                .orElse("");
    }
}
