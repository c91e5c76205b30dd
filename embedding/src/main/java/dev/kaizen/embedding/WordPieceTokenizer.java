package dev.kaizen.embedding;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * BERT's uncased WordPiece tokenizer, as Hugging Face's tokenizers run it for the models here
 * (BertNormalizer with lower-casing and accent stripping, BertPreTokenizer, WordPiece with "##"
 * continuations): text in, token ids out, wrapped in [CLS] ... [SEP]. Checked token for token against
 * Hugging Face's own implementation on every entry and query of the shared workloads.
 */
final class WordPieceTokenizer {
    /** Longer words are one [UNK] token, as in BERT. */
    private static final int MAX_WORD_CHARS = 100;
    private static final Pattern VOCAB_ENTRY = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"\\s*:\\s*(\\d+)\\s*([,}])");

    private final Map<String, Integer> vocabulary;
    private final int classify;
    private final int separator;
    private final int unknown;

    private WordPieceTokenizer(Map<String, Integer> vocabulary) {
        this.vocabulary = vocabulary;
        this.classify = vocabulary.get("[CLS]");
        this.separator = vocabulary.get("[SEP]");
        this.unknown = vocabulary.get("[UNK]");
    }

    /** The tokenizer of a Hugging Face tokenizer.json with a WordPiece model (its "model.vocab" object). */
    static WordPieceTokenizer fromTokenizerJson(String json) {
        int model = json.indexOf("\"model\"");
        int vocab = json.indexOf("\"vocab\"", model);
        if (model < 0 || vocab < 0) {
            throw new IllegalArgumentException("not a WordPiece tokenizer.json: no model.vocab");
        }
        Map<String, Integer> vocabulary = new HashMap<>();
        Matcher entry = VOCAB_ENTRY.matcher(json);
        entry.region(json.indexOf('{', vocab) + 1, json.length());
        while (entry.find()) {
            vocabulary.put(unescape(entry.group(1)), Integer.parseInt(entry.group(2)));
            if (entry.group(3).equals("}")) {
                break;
            }
        }
        return new WordPieceTokenizer(vocabulary);
    }

    /** Token ids of {@code text}: [CLS], its word pieces, [SEP]; at most {@code maxTokens} in all (the rest is cut). */
    int[] encode(String text, int maxTokens) {
        List<Integer> ids = new ArrayList<>();
        ids.add(classify);
        words:
        for (String word : words(normalize(text))) {
            for (int id : wordPieces(word)) {
                if (ids.size() >= maxTokens - 1) {
                    break words;
                }
                ids.add(id);
            }
        }
        ids.add(separator);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * BertNormalizer: control characters dropped, white space made a space, CJK ideographs set
     * apart, accents stripped (NFD without non-spacing marks), lower case.
     */
    static String normalize(String text) {
        StringBuilder cleaned = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (c == 0 || c == 0xFFFD || isControl(c)) {
                return;
            }
            if (isWhitespace(c)) {
                cleaned.append(' ');
            } else if (isIdeograph(c)) {
                cleaned.append(' ').appendCodePoint(c).append(' ');
            } else {
                cleaned.appendCodePoint(c);
            }
        });
        StringBuilder stripped = new StringBuilder(cleaned.length());
        Normalizer.normalize(cleaned, Normalizer.Form.NFD).codePoints()
                .filter(c -> Character.getType(c) != Character.NON_SPACING_MARK)
                .forEach(stripped::appendCodePoint);
        return stripped.toString().toLowerCase(Locale.ROOT);
    }

    /** BertPreTokenizer: split at white space, and every punctuation character a word of its own. */
    static List<String> words(String normalized) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        normalized.codePoints().forEach(c -> {
            if (isWhitespace(c) || isPunctuation(c)) {
                if (!word.isEmpty()) {
                    words.add(word.toString());
                    word.setLength(0);
                }
                if (!isWhitespace(c)) {
                    words.add(Character.toString(c));
                }
            } else {
                word.appendCodePoint(c);
            }
        });
        if (!word.isEmpty()) {
            words.add(word.toString());
        }
        return words;
    }

    /** Greedy longest-match-first word pieces; a word that cannot be split is one [UNK]. */
    private List<Integer> wordPieces(String word) {
        if (word.codePointCount(0, word.length()) > MAX_WORD_CHARS) {
            return List.of(unknown);
        }
        List<Integer> pieces = new ArrayList<>();
        int start = 0;
        while (start < word.length()) {
            Integer piece = null;
            int end = word.length();
            while (end > start) {
                piece = vocabulary.get((start > 0 ? "##" : "") + word.substring(start, end));
                if (piece != null) {
                    break;
                }
                end = word.offsetByCodePoints(end, -1);
            }
            if (piece == null) {
                return List.of(unknown);
            }
            pieces.add(piece);
            start = end;
        }
        return pieces;
    }

    private static boolean isWhitespace(int c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || Character.isWhitespace(c) || Character.isSpaceChar(c);
    }

    private static boolean isControl(int c) {
        if (c == '\t' || c == '\n' || c == '\r') {
            return false;
        }
        int type = Character.getType(c);
        return type == Character.CONTROL || type == Character.FORMAT || type == Character.UNASSIGNED
                || type == Character.PRIVATE_USE || type == Character.SURROGATE;
    }

    private static boolean isPunctuation(int c) {
        if (c >= 33 && c <= 47 || c >= 58 && c <= 64 || c >= 91 && c <= 96 || c >= 123 && c <= 126) {
            return true;
        }
        return switch (Character.getType(c)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    private static boolean isIdeograph(int c) {
        return c >= 0x4E00 && c <= 0x9FFF || c >= 0x3400 && c <= 0x4DBF || c >= 0x20000 && c <= 0x2A6DF
                || c >= 0x2A700 && c <= 0x2B73F || c >= 0x2B740 && c <= 0x2B81F || c >= 0x2B920 && c <= 0x2CEAF
                || c >= 0xF900 && c <= 0xFAFF || c >= 0x2F800 && c <= 0x2FA1F;
    }

    private static String unescape(String json) {
        if (json.indexOf('\\') < 0) {
            return json;
        }
        StringBuilder out = new StringBuilder(json.length());
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char escaped = json.charAt(++i);
            switch (escaped) {
                case 'n' -> out.append('\n');
                case 't' -> out.append('\t');
                case 'r' -> out.append('\r');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'u' -> {
                    out.append((char) Integer.parseInt(json.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> out.append(escaped);
            }
        }
        return out.toString();
    }
}
