package dev.vigil.bench.jmh;

import dev.vigil.watch.internal.PathFilter;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of Vigil's event filter per path (the check every delivered event and every scanned directory pays),
 * next to the JDK's glob {@link PathMatcher} on the same relative paths. Run:
 * {@code java -cp 'target/vigil-benchmarks.jar:target/lib/*' org.openjdk.jmh.Main GlobBench}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx256m"})
@State(Scope.Benchmark)
public class GlobBench {
    static final int N = 1024;

    /** none: no pattern; ext: include **&#47;*.txt; mixed: include {src,test}/**&#47;*.java, exclude build/** and **&#47;.git/**. */
    @Param({"none", "ext", "mixed"})
    public String filter;

    private PathFilter vigil;
    private PathMatcher jdkInclude;
    private PathMatcher[] jdkExcludes;
    private final String[] rel = new String[N];
    private final Path[] relPaths = new Path[N];

    @Setup
    public void setup() {
        switch (filter) {
            case "none" -> {
                vigil = PathFilter.compile(List.of(), List.of(), List.of(), List.of());
                jdkInclude = null;
                jdkExcludes = new PathMatcher[0];
            }
            case "ext" -> {
                vigil = PathFilter.compile(List.of("**/*.txt"), List.of(), List.of(), List.of());
                jdkInclude = FileSystems.getDefault().getPathMatcher("glob:{*.txt,**/*.txt}");
                jdkExcludes = new PathMatcher[0];
            }
            default -> {
                vigil = PathFilter.compile(List.of("{src,test}/**/*.java"), List.of("build/**", "**/.git/**"),
                        List.of(), List.of());
                jdkInclude = FileSystems.getDefault().getPathMatcher("glob:{src,test}/**/*.java");
                jdkExcludes = new PathMatcher[] {FileSystems.getDefault().getPathMatcher("glob:build/**"),
                    FileSystems.getDefault().getPathMatcher("glob:{.git/**,**/.git/**}")};
            }
        }
        String[] shapes = {"d%02d/s%02d/f%d.txt", "src/main/java/dev/p%02d/C%02d%d.java", "build/classes/c%02d/x%02d/%d.class",
            "repo/.git/objects/%02d/%02d%d", "test/java/t%02d/T%02d%d.java", "docs/d%02d/%02d/readme%d.md"};
        for (int i = 0; i < N; i++) {
            rel[i] = String.format(shapes[i % shapes.length], i % 97, i % 89, i % 10);
            relPaths[i] = Path.of(rel[i]);
        }
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public int vigilAccepts() {
        int n = 0;
        for (String r : rel) {
            if (vigil.accepts(r)) {
                n++;
            }
        }
        return n;
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public int vigilPrunes() {
        int n = 0;
        for (String r : rel) {
            if (vigil.prunes(r)) {
                n++;
            }
        }
        return n;
    }

    /** Baseline: the JDK's glob matchers on pre-built relative {@link Path}s (the same decision as vigilAccepts). */
    @Benchmark
    @OperationsPerInvocation(N)
    public int jdkPathMatcher() {
        int n = 0;
        outer:
        for (Path p : relPaths) {
            for (PathMatcher m : jdkExcludes) {
                if (m.matches(p)) {
                    continue outer;
                }
            }
            if (jdkInclude == null || jdkInclude.matches(p)) {
                n++;
            }
        }
        return n;
    }
}
