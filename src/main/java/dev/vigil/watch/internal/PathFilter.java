package dev.vigil.watch.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Compiled include/exclude globs and regexes, matched against a path relative to its root with {@code /} as the
 * separator. The glob dialect is documented on {@code FileWatcher.Builder.include}; globs are translated once to
 * regexes whose only repetitions are over {@code [^/]} or whole segments, so matching never backtracks badly.
 */
public final class PathFilter {

    /** Accepts everything. */
    public static final PathFilter ALL = new PathFilter(List.of(), List.of(), List.of());

    private final List<Pattern> includes;
    private final List<Pattern> excludes;
    /** Exclude patterns of the form {@code P/**}, as {@code P}: a directory matching one is pruned with its subtree. */
    private final List<Pattern> pruneDirs;

    private PathFilter(List<Pattern> includes, List<Pattern> excludes, List<Pattern> pruneDirs) {
        this.includes = includes;
        this.excludes = excludes;
        this.pruneDirs = pruneDirs;
    }

    /**
     * Compiles the patterns.
     *
     * @throws PatternSyntaxException naming the pattern and the position of the first error
     */
    public static PathFilter compile(List<String> includeGlobs, List<String> excludeGlobs, List<String> includeRegexes,
            List<String> excludeRegexes) {
        List<Pattern> inc = new ArrayList<>();
        List<Pattern> exc = new ArrayList<>();
        List<Pattern> prune = new ArrayList<>();
        for (String g : includeGlobs) {
            inc.add(Pattern.compile(globToRegex(g)));
        }
        for (String g : excludeGlobs) {
            exc.add(Pattern.compile(globToRegex(g)));
            if (g.endsWith("/**") && g.length() > 3) {
                prune.add(Pattern.compile(globToRegex(g.substring(0, g.length() - 3))));
            }
        }
        for (String r : includeRegexes) {
            inc.add(Pattern.compile(r));
        }
        for (String r : excludeRegexes) {
            exc.add(Pattern.compile(r));
        }
        if (inc.isEmpty() && exc.isEmpty()) {
            return ALL;
        }
        return new PathFilter(List.copyOf(inc), List.copyOf(exc), List.copyOf(prune));
    }

    /** Whether an event for {@code relative} (never empty) is delivered. */
    public boolean accepts(String relative) {
        for (Pattern p : excludes) {
            if (p.matcher(relative).matches()) {
                return false;
            }
        }
        if (includes.isEmpty()) {
            return true;
        }
        for (Pattern p : includes) {
            if (p.matcher(relative).matches()) {
                return true;
            }
        }
        return false;
    }

    /** Whether the directory {@code relative} is excluded with everything below it: it is never watched nor scanned. */
    public boolean prunes(String relative) {
        for (Pattern p : excludes) {
            if (p.matcher(relative).matches()) {
                return true;
            }
        }
        for (Pattern p : pruneDirs) {
            if (p.matcher(relative).matches()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Translates a glob to an anchored Java regex.
     *
     * @throws PatternSyntaxException for an unclosed {@code [} or <code>{</code>, a stray <code>}</code>, a trailing
     *     {@code \}, or an empty pattern
     */
    static String globToRegex(String glob) {
        if (glob.isEmpty()) {
            throw new PatternSyntaxException("empty glob", glob, 0);
        }
        StringBuilder re = new StringBuilder(glob.length() * 2);
        int braces = 0;
        int braceStart = -1;
        int n = glob.length();
        for (int i = 0; i < n; i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '\\':
                    if (i + 1 >= n) {
                        throw new PatternSyntaxException("trailing escape character '\\' in glob", glob, i);
                    }
                    appendLiteral(re, glob.charAt(++i));
                    break;
                case '*': {
                    boolean doubleStar = i + 1 < n && glob.charAt(i + 1) == '*';
                    if (!doubleStar) {
                        re.append("[^/]*");
                        break;
                    }
                    boolean segmentStart = i == 0 || glob.charAt(i - 1) == '/' || glob.charAt(i - 1) == '{'
                            || glob.charAt(i - 1) == ',';
                    int after = i + 2;
                    if (!segmentStart || (after < n && glob.charAt(after) != '/' && glob.charAt(after) != '}'
                            && glob.charAt(after) != ',')) {
                        throw new PatternSyntaxException("'**' must be a whole path segment (use '*' inside a name)",
                                glob, i);
                    }
                    if (after < n && glob.charAt(after) == '/') {
                        re.append("(?:[^/]+/)*"); // "**/" : zero or more directories
                        i = after;
                    } else {
                        re.append(".*"); // trailing "**": anything below
                        i = after - 1;
                    }
                    break;
                }
                case '?':
                    re.append("[^/]");
                    break;
                case '[': {
                    int close = glob.indexOf(']', i + 2);
                    if (close < 0) {
                        throw new PatternSyntaxException("unclosed character class '['", glob, i);
                    }
                    re.append('[');
                    int j = i + 1;
                    boolean negated = glob.charAt(j) == '!' || glob.charAt(j) == '^';
                    if (negated) {
                        re.append('^');
                        j++;
                    }
                    for (; j < close; j++) {
                        char k = glob.charAt(j);
                        if (k == '/') {
                            throw new PatternSyntaxException("'/' cannot appear in a character class", glob, j);
                        }
                        if (k == '\\' || k == '[' || k == ']' || k == '&' || k == '^') {
                            re.append('\\');
                        }
                        re.append(k);
                    }
                    re.append(negated ? "/]" : "]"); // a negated class must not match the separator
                    i = close;
                    break;
                }
                case '{':
                    if (braces == 0) {
                        braceStart = i;
                    }
                    braces++;
                    re.append("(?:");
                    break;
                case '}':
                    if (braces == 0) {
                        throw new PatternSyntaxException("'}' without a matching '{'", glob, i);
                    }
                    braces--;
                    re.append(')');
                    break;
                case ',':
                    re.append(braces > 0 ? "|" : ",");
                    break;
                default:
                    appendLiteral(re, c);
            }
        }
        if (braces > 0) {
            throw new PatternSyntaxException("unclosed alternation '{'", glob, braceStart);
        }
        return re.toString();
    }

    private static void appendLiteral(StringBuilder re, char c) {
        if ("\\.[]{}()<>*+-=!?^$|".indexOf(c) >= 0) {
            re.append('\\');
        }
        re.append(c);
    }
}
