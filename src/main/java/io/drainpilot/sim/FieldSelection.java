package io.drainpilot.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A {@code fieldSelector} query parameter parsed the way the API server parses it: terms separated by commas, each
 * {@code label=value}, {@code label==value} or {@code label!=value}; {@code \,}, {@code \=} and {@code \\} escape
 * inside a value. A field an object lacks reads as the empty string.
 */
record FieldSelection(List<Term> terms) {

    /** The operators of a field selector term, with their spelling on the wire. */
    enum Operator {
        NOT_EQUALS("!="), DOUBLE_EQUALS("=="), EQUALS("=");

        private final String wire;

        Operator(String wire) {
            this.wire = wire;
        }
    }

    record Term(String label, Operator operator, String value) {
        boolean matches(String actual) {
            boolean equal = value.equals(actual == null ? "" : actual);
            return operator == Operator.NOT_EQUALS ? !equal : equal;
        }
    }

    static final FieldSelection EVERYTHING = new FieldSelection(List.of());

    /** @throws BadRequest when the selector does not parse */
    static FieldSelection parse(String selector) {
        if (selector == null || selector.isEmpty()) {
            return EVERYTHING;
        }
        List<Term> terms = new ArrayList<>();
        for (String part : splitUnescaped(selector)) {
            if (!part.isEmpty()) {
                terms.add(term(selector, part));
            }
        }
        return new FieldSelection(List.copyOf(terms));
    }

    FieldSelection and(Term term) {
        List<Term> all = new ArrayList<>(terms);
        all.add(term);
        return new FieldSelection(List.copyOf(all));
    }

    boolean matches(Function<String, String> fields) {
        for (Term t : terms) {
            if (!t.matches(fields.apply(t.label()))) {
                return false;
            }
        }
        return true;
    }

    /** The value every object must have for this label ({@code label=v} or {@code label==v}), or null. */
    String required(String label) {
        for (Term t : terms) {
            if (t.label().equals(label) && t.operator() != Operator.NOT_EQUALS) {
                return t.value();
            }
        }
        return null;
    }

    private static Term term(String selector, String part) {
        for (int i = 0; i < part.length(); i++) {
            if (part.charAt(i) == '\\') {
                i++;
                continue;
            }
            for (Operator op : Operator.values()) {
                if (part.startsWith(op.wire, i)) {
                    return new Term(part.substring(0, i), op, unescape(part.substring(i + op.wire.length())));
                }
            }
        }
        throw new BadRequest("invalid selector: '" + selector + "'; can't understand '" + part + "'");
    }

    private static List<String> splitUnescaped(String s) {
        List<String> parts = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\\') {
                i++;
            } else if (s.charAt(i) == ',') {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(s.substring(start));
        return parts;
    }

    private static String unescape(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                if (i + 1 >= s.length() || "\\,=".indexOf(s.charAt(i + 1)) < 0) {
                    throw new BadRequest("invalid field selector: invalid escape sequence in '" + s + "'");
                }
                c = s.charAt(++i);
            } else if (c == ',' || c == '=') {
                throw new BadRequest("invalid field selector: unescaped '" + c + "' in '" + s + "'");
            }
            out.append(c);
        }
        return out.toString();
    }
}
