package io.drainpilot.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A Kubernetes label selector, parsed and checked as the API server does: equality-based ({@code a=b}, {@code a==b},
 * {@code a!=b}), set-based ({@code x in (a,b)}, {@code x notin (a,b)}), existence ({@code k}) and non-existence
 * ({@code !k}), requirements joined by commas (all must hold). Keys are {@code [prefix/]name} (prefix a DNS subdomain
 * of at most 253 characters, name at most 63 characters of alphanumerics, '-', '_', '.', starting and ending
 * alphanumeric); values are empty or at most 63 such characters. Pure.
 */
public final class LabelSelector {

    public enum Operator { EQUALS, NOT_EQUALS, IN, NOT_IN, EXISTS, DOES_NOT_EXIST }

    /** One requirement; {@code values} is empty for EXISTS and DOES_NOT_EXIST. */
    public record Requirement(String key, Operator operator, List<String> values) {

        boolean matches(Map<String, String> labels) {
            String v = labels.get(key);
            return switch (operator) {
                case EQUALS, IN -> v != null && values.contains(v);
                case NOT_EQUALS, NOT_IN -> v == null || !values.contains(v);
                case EXISTS -> v != null;
                case DOES_NOT_EXIST -> v == null;
            };
        }

        /** The requirement as the API server reads it in a {@code labelSelector} query parameter. */
        public String text() {
            return switch (operator) {
                case EQUALS -> key + "=" + values.get(0);
                case NOT_EQUALS -> key + "!=" + values.get(0);
                case IN -> key + " in (" + String.join(",", values) + ")";
                case NOT_IN -> key + " notin (" + String.join(",", values) + ")";
                case EXISTS -> key;
                case DOES_NOT_EXIST -> "!" + key;
            };
        }
    }

    /** Thrown for a selector that does not parse; the message says what is wrong and where. */
    public static final class ParseException extends IllegalArgumentException {
        ParseException(String message) {
            super(message);
        }
    }

    public static final LabelSelector EVERYTHING = new LabelSelector(List.of());

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

    private final List<Requirement> requirements;

    private LabelSelector(List<Requirement> requirements) {
        this.requirements = List.copyOf(requirements);
    }

    public List<Requirement> requirements() {
        return requirements;
    }

    public boolean isEmpty() {
        return requirements.isEmpty();
    }

    /** Whether labels (null: none) satisfy every requirement. */
    public boolean matches(Map<String, String> labels) {
        Map<String, String> l = labels == null ? Map.of() : labels;
        return requirements.stream().allMatch(r -> r.matches(l));
    }

    /** The canonical text, for a {@code labelSelector} query parameter; empty for no requirement. */
    public String text() {
        return String.join(",", requirements.stream().map(Requirement::text).toList());
    }

    /** Only the equality and existence requirements (those every server and fake serves); the rest is matched here. */
    public boolean hasSetRequirements() {
        return requirements.stream().anyMatch(r -> r.operator() == Operator.IN || r.operator() == Operator.NOT_IN);
    }

    @Override
    public String toString() {
        return text();
    }

    /** Parses a selector; blank means "everything". */
    public static LabelSelector parse(String selector) {
        if (selector == null || selector.isBlank()) {
            return EVERYTHING;
        }
        List<Requirement> out = new ArrayList<>();
        for (String part : splitTopLevel(selector)) {
            out.add(requirement(part.trim()));
        }
        return new LabelSelector(out);
    }

    private static List<String> splitTopLevel(String s) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(') {
                if (++depth > 1) {
                    throw new ParseException("nested '(' at position " + (i + 1));
                }
            } else if (c == ')') {
                if (--depth < 0) {
                    throw new ParseException("')' without '(' at position " + (i + 1));
                }
            } else if (c == ',' && depth == 0) {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        if (depth != 0) {
            throw new ParseException("'(' is not closed");
        }
        parts.add(s.substring(start));
        return parts;
    }

    private static Requirement requirement(String part) {
        if (part.isEmpty()) {
            throw new ParseException("empty requirement (two commas in a row, or a comma at an end)");
        }
        var set = java.util.regex.Pattern.compile("^(\\S+)\\s+(in|notin)\\s*\\((.*)\\)$").matcher(part);
        if (set.matches()) {
            String key = key(set.group(1));
            List<String> values = new ArrayList<>();
            for (String v : set.group(3).split(",", -1)) {
                values.add(value(key, v.trim()));
            }
            if (values.size() == 1 && values.get(0).isEmpty() && set.group(3).isBlank()) {
                throw new ParseException("'" + part + "': " + set.group(2) + " needs at least one value");
            }
            Set<String> sorted = new TreeSet<>(values);
            return new Requirement(key, set.group(2).equals("in") ? Operator.IN : Operator.NOT_IN,
                    Collections.unmodifiableList(new ArrayList<>(sorted)));
        }
        if (part.matches("^\\S+\\s+(in|notin)\\b.*")) {
            throw new ParseException("'" + part + "': the values of in/notin go in parentheses, e.g. tier in (web,db)");
        }
        int ne = part.indexOf("!=");
        if (ne > 0) {
            String key = key(part.substring(0, ne).trim());
            return new Requirement(key, Operator.NOT_EQUALS, List.of(value(key, part.substring(ne + 2).trim())));
        }
        int eq = part.indexOf('=');
        if (eq >= 0) {
            if (eq == 0) {
                throw new ParseException("'" + part + "': no key before '='");
            }
            String key = key(part.substring(0, eq).trim());
            String rest = part.substring(eq + 1);
            if (rest.startsWith("=")) {
                rest = rest.substring(1);
            }
            return new Requirement(key, Operator.EQUALS, List.of(value(key, rest.trim())));
        }
        if (part.startsWith("!")) {
            return new Requirement(key(part.substring(1).trim()), Operator.DOES_NOT_EXIST, List.of());
        }
        if (part.contains(" ") || part.contains("(") || part.contains(")")) {
            throw new ParseException("'" + part + "': not a requirement (use key=value, key!=value, key in (a,b),"
                    + " key notin (a,b), key or !key)");
        }
        return new Requirement(key(part), Operator.EXISTS, List.of());
    }

    private static String key(String key) {
        if (key.isEmpty()) {
            throw new ParseException("a requirement has no key");
        }
        String name = key;
        int slash = key.indexOf('/');
        if (slash >= 0) {
            String prefix = key.substring(0, slash);
            name = key.substring(slash + 1);
            if (prefix.isEmpty() || prefix.length() > 253 || !DNS_SUBDOMAIN.matcher(prefix).matches()) {
                throw new ParseException("key '" + key + "': the prefix '" + prefix
                        + "' must be a DNS subdomain (lower case letters, digits, '-' and '.', at most 253 characters)");
            }
        }
        if (name.isEmpty() || name.length() > 63 || !NAME.matcher(name).matches()) {
            throw new ParseException("key '" + key + "': the name '" + name + "' must be 1 to 63 characters of letters,"
                    + " digits, '-', '_' and '.', starting and ending with a letter or digit");
        }
        return key;
    }

    private static String value(String key, String value) {
        if (value.isEmpty()) {
            return value;
        }
        if (value.length() > 63 || !NAME.matcher(value).matches()) {
            throw new ParseException("value '" + value + "' of key '" + key + "' must be at most 63 characters of"
                    + " letters, digits, '-', '_' and '.', starting and ending with a letter or digit");
        }
        return value;
    }

    /** Whether a string is a valid label value (the API server refuses a label or selector with any other). */
    public static boolean isValidValue(String value) {
        return value != null && (value.isEmpty() || (value.length() <= 63 && NAME.matcher(value).matches()));
    }
}
