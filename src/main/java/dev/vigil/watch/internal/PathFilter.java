package dev.vigil.watch.internal;

import java.util.List;

/** Compiled include/exclude globs and regexes (placeholder). */
public final class PathFilter {
    /** Compiles the patterns. */
    public static PathFilter compile(List<String> includeGlobs, List<String> excludeGlobs, List<String> includeRegexes,
            List<String> excludeRegexes) {
        return new PathFilter();
    }
}
