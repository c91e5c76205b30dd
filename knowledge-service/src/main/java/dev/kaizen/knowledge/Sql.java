package dev.kaizen.knowledge;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;

/** Small conveniences over DbClient that always release the statement and its connection. */
final class Sql {
    private Sql() {
    }

    static List<DbRow> rows(DbExecute db, String sql, Object... params) {
        try (Stream<DbRow> rows = db.createQuery(sql).params(params).execute()) {
            return rows.toList();
        }
    }

    static Optional<DbRow> row(DbExecute db, String sql, Object... params) {
        return db.createGet(sql).params(params).execute();
    }

    static long update(DbExecute db, String sql, Object... params) {
        return db.createDmlStatement(sql).params(params).execute();
    }

    static String string(DbRow row, String column) {
        return row.column(column).asString().orElse(null);
    }

    /** The column's value, or null for SQL NULL. */
    static Object value(DbRow row, String column) {
        return row.column(column).isPresent() ? row.column(column).get() : null;
    }

    static long number(DbRow row, String column) {
        return ((Number) row.column(column).get()).longValue();
    }
}
