package dev.kaizen.knowledge;

import java.math.BigDecimal;
import java.util.regex.Pattern;

import dev.kaizen.api.Rules;
import io.helidon.dbclient.DbRow;

/**
 * One runtime setting as the {@code config} table describes it: its type ({@code integer},
 * {@code float} or {@code regconfig}), its value and default, and the range a number must be in.
 */
record Setting(String key, String type, String value, String defaultValue, BigDecimal min, BigDecimal max) {
    /** Whole numbers as the search reads them: ASCII digits, at most nine of them. */
    private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]{1,9}");
    /** Decimals as the search reads them: ASCII digits, an optional point, at most 15 digits each side. */
    /** A plain number in form, however many digits: refused as too long, not as no number. */
    private static final Pattern LONG_INTEGER = Pattern.compile("[+-]?[0-9]+");
    private static final Pattern LONG_NUMBER = Pattern.compile("[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)");
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(?:[0-9]{1,15}(?:\\.[0-9]{0,15})?|\\.[0-9]{1,15})");

    static Setting of(DbRow row) {
        return new Setting(Sql.string(row, "key"), Sql.string(row, "type"), Sql.string(row, "value"),
                Sql.string(row, "default_value"), (BigDecimal) Sql.value(row, "min_value"),
                (BigDecimal) Sql.value(row, "max_value"));
    }

    boolean isNumber() {
        return !"regconfig".equals(type);
    }

    /**
     * A number for this setting in the one canonical form the search reads. Only plain ASCII
     * decimals are numbers here: exponents, other digits (full-width, Arabic-Indic), NaN and
     * Infinity are refused, so nothing is stored that PostgreSQL's casts would read differently or
     * not at all.
     */
    String number(String given) {
        boolean integer = "integer".equals(type);
        if (!(integer ? INTEGER : DECIMAL).matcher(given).matches()) {
            String digits = integer ? "nine digits" : "15 digits on each side of the point";
            throw Failures.invalidArgument("value", "value " + Rules.quote(given) + ((integer ? LONG_INTEGER : LONG_NUMBER).matcher(given).matches()
                    ? " has more digits than a setting takes (at most " + digits + "): " + key + " takes " + range() + "."
                    : " is not " + (integer ? "a whole number" : "a plain decimal number") + ": " + key + " takes "
                    + range() + ", written with the digits 0-9" + (integer ? "" : " and an optional decimal point") + "."));
        }
        BigDecimal number = new BigDecimal(given);
        if ((min != null && number.compareTo(min) < 0) || (max != null && number.compareTo(max) > 0)) {
            throw Failures.invalidArgument("value", "value " + Rules.quote(given) + " is out of range: " + key + " takes "
                    + range() + ".");
        }
        return number.toPlainString();
    }

    /** The valid values, in words: "a whole number from 1 to 1000". */
    String range() {
        String kind = "integer".equals(type) ? "a whole number" : "a number";
        if (min != null && max != null) {
            return kind + " from " + plain(min) + " to " + plain(max);
        }
        return min != null ? kind + " of at least " + plain(min) : max != null ? kind + " of at most " + plain(max) : kind;
    }

    private static String plain(BigDecimal number) {
        return number.stripTrailingZeros().toPlainString();
    }
}
