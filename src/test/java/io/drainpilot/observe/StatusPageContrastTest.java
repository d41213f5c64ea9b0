package io.drainpilot.observe;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Every text colour of the status page against the background it is declared with reaches WCAG AA (4.5:1, relative
 * luminance as WCAG 2 defines it). The page's CSS keeps each pair in one rule (a rule that sets {@code color} also sets
 * its background), so the pairs can be read from the CSS; a rule with only a background must be a graphic (the
 * progress bars, held to the 3:1 of non-text contrast).
 */
class StatusPageContrastTest {
    private static final Pattern RULE = Pattern.compile("([^{}]+)\\{([^{}]*)}");
    private static final Pattern VAR = Pattern.compile("var\\((--[\\w-]+)\\)");
    private static final Pattern HEX = Pattern.compile("#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})");

    record Rule(String selector, Map<String, String> declarations) {
    }

    @ParameterizedTest(name = "{0} on {1} = {2}")
    @CsvSource({
            "#000000, #ffffff, 21.0",
            "#ffffff, #ffffff, 1.0",
            "#777777, #ffffff, 4.48",  // the classic grey that just fails AA
            "#767676, #ffffff, 4.54",  // and the one that just passes
            "#00f,    #ffffff, 8.59",
            "#ff0000, #ffffff, 4.00",
    })
    void contrastRatioAsWcagComputesIt(String fg, String bg, double ratio) {
        assertThat(contrast(fg, bg)).isCloseTo(ratio, within(0.01));
    }

    @Test
    void everyTextColourPairReachesAa() throws Exception {
        String page = page();
        List<Rule> rules = rules(page);
        Map<String, String> vars = new LinkedHashMap<>();
        rules.stream().filter(r -> r.selector().equals(":root")).forEach(r -> r.declarations().forEach((k, v) -> {
            if (k.startsWith("--")) {
                vars.put(k, v);
            }
        }));
        assertThat(vars).as("the palette in :root").isNotEmpty();
        List<String> problems = new ArrayList<>();
        int pairs = 0;
        for (Rule r : rules) {
            if (r.selector().equals(":root")) {
                continue;
            }
            String fg = r.declarations().get("color");
            String bg = r.declarations().containsKey("background-color") ? r.declarations().get("background-color")
                    : r.declarations().get("background");
            if (fg == null && bg == null) {
                continue;
            }
            if (fg == null) {
                if (!r.selector().contains("progress")) {
                    problems.add(r.selector() + ": a background without a text colour (say which text sits on it)");
                }
                continue;
            }
            if (bg == null) {
                problems.add(r.selector() + ": a text colour without the background it sits on");
                continue;
            }
            String f = resolve(fg, vars);
            String b = resolve(bg, vars);
            if (f == null || b == null) {
                problems.add(r.selector() + ": not a solid #hex colour: color " + fg + ", background " + bg);
                continue;
            }
            pairs++;
            double ratio = contrast(f, b);
            if (ratio < 4.5) {
                problems.add(String.format(Locale.ROOT, "%s: %s on %s is %.2f:1, below 4.5:1", r.selector(), f, b, ratio));
            }
        }
        assertThat(problems).as("colour pairs of the status page").isEmpty();
        assertThat(pairs).as("text colour pairs found").isGreaterThan(15);

        // the progress bars: fill against track, WCAG's 3:1 for graphics
        assertThat(contrast(resolve("var(--bar-fill)", vars), resolve("var(--bar)", vars))).isGreaterThanOrEqualTo(3.0);
        assertThat(contrast(resolve("var(--bar-fill)", vars), resolve("var(--card)", vars))).isGreaterThanOrEqualTo(3.0);

        // no colour set from the script or inline: the CSS above is every colour the page has
        String outsideStyle = page.substring(page.indexOf("</style>"));
        assertThat(outsideStyle).doesNotContain(".style.").doesNotContain("style=");
    }

    static String page() throws Exception {
        try (InputStream in = StatusPageContrastTest.class.getResourceAsStream("/drainpilot/status.html")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static List<Rule> rules(String page) {
        String css = page.substring(page.indexOf("<style>") + 7, page.indexOf("</style>")).replaceAll("(?s)/\\*.*?\\*/", "");
        List<Rule> out = new ArrayList<>();
        Matcher m = RULE.matcher(css);
        while (m.find()) {
            Map<String, String> d = new LinkedHashMap<>();
            for (String decl : m.group(2).split(";")) {
                int colon = decl.indexOf(':');
                if (colon > 0) {
                    d.put(decl.substring(0, colon).trim().toLowerCase(Locale.ROOT), decl.substring(colon + 1).trim());
                }
            }
            out.add(new Rule(m.group(1).trim().replaceAll("\\s+", " "), d));
        }
        return out;
    }

    /** A colour value as #hex: a var() of the palette or a literal; null for anything else (transparent, rgba...). */
    static String resolve(String value, Map<String, String> vars) {
        String v = value.trim();
        Matcher var = VAR.matcher(v);
        if (var.matches()) {
            String def = vars.get(var.group(1));
            return def == null ? null : resolve(def, vars);
        }
        String first = v.split("\\s+")[0]; // "background: #fff" or the colour first in a shorthand
        return HEX.matcher(first).matches() ? first : null;
    }

    static double contrast(String a, String b) {
        double la = luminance(a);
        double lb = luminance(b);
        return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
    }

    /** WCAG 2 relative luminance of an sRGB colour. */
    static double luminance(String hex) {
        String h = hex.substring(1);
        if (h.length() == 3) {
            h = "" + h.charAt(0) + h.charAt(0) + h.charAt(1) + h.charAt(1) + h.charAt(2) + h.charAt(2);
        }
        double[] c = new double[3];
        for (int i = 0; i < 3; i++) {
            double s = Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16) / 255.0;
            c[i] = s <= 0.04045 ? s / 12.92 : Math.pow((s + 0.055) / 1.055, 2.4);
        }
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    }
}
