package io.drainpilot.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A {@code labelSelector} query parameter parsed and matched the way the API server does: requirements separated by
 * commas, each one of {@code key}, {@code !key}, {@code key=v}, {@code key==v}, {@code key!=v},
 * {@code key in (a,b)}, {@code key notin (a,b)}, {@code key>n}, {@code key<n}. Whitespace between tokens is allowed.
 * {@code !=} and {@code notin} also match objects without the label; {@code >} and {@code <} need an integer label.
 *
 * <p>Simplification: error messages follow the real server's wording but not to the letter.
 */
record LabelSelection(List<Requirement> requirements) {

    /** The selector's operators, with the spelling they have on the wire. */
    enum Operator {
        EXISTS(""), DOES_NOT_EXIST("!"), EQUALS("="), DOUBLE_EQUALS("=="), NOT_EQUALS("!="), IN("in"),
        NOT_IN("notin"), GREATER_THAN(">"), LESS_THAN("<");

        private final String wire;

        Operator(String wire) {
            this.wire = wire;
        }

        String wire() {
            return wire;
        }
    }

    record Requirement(String key, Operator operator, Set<String> values) {
        boolean matches(Function<String, String> labels) {
            String value = labels.apply(key);
            return switch (operator) {
                case EXISTS -> value != null;
                case DOES_NOT_EXIST -> value == null;
                case EQUALS, DOUBLE_EQUALS, IN -> value != null && values.contains(value);
                case NOT_EQUALS, NOT_IN -> value == null || !values.contains(value);
                case GREATER_THAN, LESS_THAN -> compares(value);
            };
        }

        private boolean compares(String value) {
            if (value == null) {
                return false;
            }
            long have;
            try {
                have = Long.parseLong(value);
            } catch (NumberFormatException e) {
                return false;
            }
            long bound = Long.parseLong(values.iterator().next());
            return operator == Operator.GREATER_THAN ? have > bound : have < bound;
        }
    }

    static final LabelSelection EVERYTHING = new LabelSelection(List.of());

    // a qualified name: optional DNS-subdomain prefix and '/', then a name of at most 63 characters
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
    private static final String SPECIAL = "!=,()<>";

    boolean matches(Function<String, String> labels) {
        for (Requirement r : requirements) {
            if (!r.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    boolean matches(Map<String, String> labels) {
        return matches(labels == null ? k -> null : labels::get);
    }

    /** @throws BadRequest with a message like the API server's when the selector does not parse */
    static LabelSelection parse(String selector) {
        if (selector == null || selector.isBlank()) {
            return EVERYTHING;
        }
        return new Parser(lex(selector)).parse();
    }

    private static List<String> lex(String s) {
        List<String> tokens = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (SPECIAL.indexOf(c) >= 0) {
                boolean twoChars = i + 1 < s.length() && s.charAt(i + 1) == '=' && (c == '!' || c == '=');
                tokens.add(s.substring(i, twoChars ? i + 2 : i + 1));
                i += twoChars ? 2 : 1;
            } else {
                int start = i;
                while (i < s.length() && !Character.isWhitespace(s.charAt(i)) && SPECIAL.indexOf(s.charAt(i)) < 0) {
                    i++;
                }
                tokens.add(s.substring(start, i));
            }
        }
        return tokens;
    }

    private static boolean isIdentifier(String token) {
        return token != null && SPECIAL.indexOf(token.charAt(0)) < 0;
    }

    private static final class Parser {
        private final List<String> tokens;
        private int next;

        Parser(List<String> tokens) {
            this.tokens = tokens;
        }

        LabelSelection parse() {
            List<Requirement> requirements = new ArrayList<>();
            while (true) {
                requirements.add(requirement());
                String t = take();
                if (t == null) {
                    return new LabelSelection(List.copyOf(requirements));
                }
                if (!t.equals(",")) {
                    throw new BadRequest("found '" + t + "', expected: ',' or 'end of string'");
                }
            }
        }

        private Requirement requirement() {
            boolean negated = "!".equals(peek());
            if (negated) {
                take();
            }
            String key = take();
            if (!isIdentifier(key) || key.equals("in") || key.equals("notin")) {
                throw new BadRequest("found '" + (key == null ? "end of string" : key) + "', expected: identifier");
            }
            checkKey(key);
            if (negated) {
                return new Requirement(key, Operator.DOES_NOT_EXIST, Set.of());
            }
            String op = peek();
            if (op == null || op.equals(",")) {
                return new Requirement(key, Operator.EXISTS, Set.of());
            }
            take();
            return switch (op) {
                case "=" -> new Requirement(key, Operator.EQUALS, Set.of(exactValue()));
                case "==" -> new Requirement(key, Operator.DOUBLE_EQUALS, Set.of(exactValue()));
                case "!=" -> new Requirement(key, Operator.NOT_EQUALS, Set.of(exactValue()));
                case "in" -> new Requirement(key, Operator.IN, valueSet("in"));
                case "notin" -> new Requirement(key, Operator.NOT_IN, valueSet("notin"));
                case ">" -> new Requirement(key, Operator.GREATER_THAN, Set.of(integer(exactValue())));
                case "<" -> new Requirement(key, Operator.LESS_THAN, Set.of(integer(exactValue())));
                default -> throw new BadRequest("found '" + op
                        + "', expected: in, notin, =, ==, !=, gt, lt");
            };
        }

        private String exactValue() {
            String t = peek();
            if (t == null || t.equals(",")) {
                return ""; // "key=" selects the empty value
            }
            if (!isIdentifier(t)) {
                throw new BadRequest("found '" + t + "', expected: identifier");
            }
            take();
            return checkValue(t);
        }

        private Set<String> valueSet(String operator) {
            String open = take();
            if (!"(".equals(open)) {
                throw new BadRequest("found '" + (open == null ? "end of string" : open) + "', expected: '('");
            }
            List<String> values = new ArrayList<>();
            String t = take();
            if (!")".equals(t)) {
                while (true) {
                    if (isIdentifier(t)) {
                        values.add(checkValue(t));
                        t = take();
                    } else {
                        values.add(""); // "(a,)" holds the empty value
                    }
                    if (")".equals(t)) {
                        break;
                    }
                    if (!",".equals(t)) {
                        throw new BadRequest("found '" + (t == null ? "end of string" : t) + "', expected: ',', ')' or identifier");
                    }
                    t = take();
                    if (")".equals(t)) {
                        values.add("");
                        break;
                    }
                }
            }
            if (values.isEmpty()) {
                throw new BadRequest("unable to parse requirement: for '" + operator
                        + "', 'notin' operators, values set can't be empty");
            }
            return Set.copyOf(values);
        }

        private static String integer(String value) {
            try {
                Long.parseLong(value);
                return value;
            } catch (NumberFormatException e) {
                throw new BadRequest("unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer");
            }
        }

        private static void checkKey(String key) {
            int slash = key.indexOf('/');
            String prefix = slash < 0 ? null : key.substring(0, slash);
            String name = slash < 0 ? key : key.substring(slash + 1);
            boolean ok = name.length() <= 63 && NAME.matcher(name).matches()
                    && (prefix == null || (prefix.length() <= 253 && DNS_SUBDOMAIN.matcher(prefix).matches()));
            if (!ok) {
                throw new BadRequest("unable to parse requirement: key: Invalid value: \"" + key
                        + "\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start"
                        + " and end with an alphanumeric character");
            }
        }

        private static String checkValue(String value) {
            if (value.length() > 63 || !VALUE.matcher(value).matches()) {
                throw new BadRequest("unable to parse requirement: values[0]: Invalid value: \"" + value
                        + "\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_'"
                        + " or '.', and must start and end with an alphanumeric character");
            }
            return value;
        }

        private String peek() {
            return next < tokens.size() ? tokens.get(next) : null;
        }

        private String take() {
            return next < tokens.size() ? tokens.get(next++) : null;
        }
    }
}
