package dev.vigil.watch.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.regex.PatternSyntaxException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The glob dialect: what each construct matches, especially at directory boundaries, and how errors read. */
class PathFilterTest {

    private static boolean glob(String glob, String path) {
        return PathFilter.compile(List.of(glob), List.of(), List.of(), List.of()).accepts(path);
    }

    @ParameterizedTest(name = "{0} ~ {1} -> {2}")
    @CsvSource({
        "*.txt,        a.txt,          true",
        "*.txt,        d/a.txt,        false", // '*' never crosses '/'
        "*,            d/a,            false",
        "d/*,          d/a,            true",
        "d/*,          d/e/a,          false",
        "**/*.txt,     a.txt,          true", // '**/' is zero or more directories
        "**/*.txt,     x/y/a.txt,      true",
        "**,           x/y/a.txt,      true",
        "build/**,     build/x/y,      true",
        "build/**,     build,          false",
        "build/**,     builder/x,      false",
        "a/**/b,       a/b,            true",
        "a/**/b,       a/x/y/b,        true",
        "a/**/b,       ab,             false",
        "?.md,         a.md,           true",
        "?.md,         ab.md,          false",
        "?,            /,              false",
        "[abc].c,      b.c,            true",
        "[abc].c,      d.c,            false",
        "[!abc].c,     d.c,            true",
        "[!abc].c,     a.c,            false",
        "[a-c]x,       bx,             true",
        "'{a,b}.txt',  b.txt,          true",
        "'{a,b}.txt',  c.txt,          false",
        "'*.{java,kt}', A.kt,          true",
        "'{src/**,lib}', src/x/y.c,    true",
        "'{src/**,lib}', lib,          true",
        "a\\*b,        a*b,            true",
        "a\\*b,        axb,            false",
        "a.b,          axb,            false", // regex characters are literal
        "(x)+,         (x)+,           true",
        "Name.TXT,     name.txt,       false", // case-sensitive
        "naïve *.txt,  naïve file.txt, true",
    })
    void globDialect(String glob, String path, boolean expected) {
        assertThat(glob(glob, path)).isEqualTo(expected);
    }

    @Test
    void negatedClassNeverMatchesTheSeparator() {
        assertThat(glob("a[!x]b", "a/b")).isFalse();
    }

    @Test
    void malformedGlobsNameThePatternAndThePosition() {
        assertThatThrownBy(() -> PathFilter.compile(List.of("src/[abc"), List.of(), List.of(), List.of()))
                .isInstanceOf(PatternSyntaxException.class)
                .satisfies(e -> {
                    PatternSyntaxException p = (PatternSyntaxException) e;
                    assertThat(p.getPattern()).isEqualTo("src/[abc");
                    assertThat(p.getIndex()).isEqualTo(4);
                    assertThat(p.getDescription()).contains("unclosed character class");
                });
        assertThatThrownBy(() -> PathFilter.compile(List.of(), List.of("{a,b"), List.of(), List.of()))
                .isInstanceOf(PatternSyntaxException.class).hasMessageContaining("{a,b").hasMessageContaining("unclosed");
        assertThatThrownBy(() -> PathFilter.compile(List.of("a**b"), List.of(), List.of(), List.of()))
                .isInstanceOf(PatternSyntaxException.class).hasMessageContaining("whole path segment");
        assertThatThrownBy(() -> PathFilter.compile(List.of("a}"), List.of(), List.of(), List.of()))
                .isInstanceOf(PatternSyntaxException.class);
        assertThatThrownBy(() -> PathFilter.compile(List.of("x\\"), List.of(), List.of(), List.of()))
                .isInstanceOf(PatternSyntaxException.class).hasMessageContaining("escape");
        assertThatThrownBy(() -> PathFilter.compile(List.of(), List.of(), List.of("(unclosed"), List.of()))
                .isInstanceOf(PatternSyntaxException.class).hasMessageContaining("(unclosed");
    }

    @Test
    void excludesWinOverIncludesAndPruneWholeSubtrees() {
        PathFilter f = PathFilter.compile(List.of("**/*.java"), List.of("gen/**", "**/*Test.java"), List.of(),
                List.of(".*/\\.cache"));
        assertThat(f.accepts("src/A.java")).isTrue();
        assertThat(f.accepts("src/ATest.java")).isFalse();
        assertThat(f.accepts("gen/B.java")).isFalse();
        assertThat(f.accepts("README")).isFalse();
        assertThat(f.prunes("gen")).isTrue();
        assertThat(f.prunes("gen/sub")).isTrue();
        assertThat(f.prunes("src")).isFalse();
        assertThat(f.prunes("x/.cache")).isTrue();
    }

    @Test
    void regexesMustMatchTheWholeRelativePath() {
        PathFilter f = PathFilter.compile(List.of(), List.of(), List.of("logs/.*\\.log"), List.of());
        assertThat(f.accepts("logs/a.log")).isTrue();
        assertThat(f.accepts("old/logs/a.log")).isFalse();
    }
}
