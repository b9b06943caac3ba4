package dev.vigil.crash.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JvmFlagsTest {

    /** HotSpot's JAVA_TOOL_OPTIONS tokenizer ({@code Arguments::parse_options_buffer}), for checking our quoting. */
    static List<String> hotSpotSplit(String value) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < value.length()) {
            while (i < value.length() && Character.isWhitespace(value.charAt(i))) {
                i++;
            }
            if (i >= value.length()) {
                break;
            }
            StringBuilder token = new StringBuilder();
            while (i < value.length() && !Character.isWhitespace(value.charAt(i))) {
                char c = value.charAt(i);
                if (c == '"' || c == '\'') {
                    int close = value.indexOf(c, i + 1);
                    assertThat(close).as("unmatched quote in %s", value).isPositive();
                    token.append(value, i + 1, close);
                    i = close + 1;
                } else {
                    token.append(c);
                    i++;
                }
            }
            out.add(token.toString());
        }
        return out;
    }

    @Test
    void toolOptionsSurviveHotSpotsSplittingWithSpacesAndBothQuotes() {
        List<String> flags = List.of("-XX:ErrorFile=C:\\Users\\Jo Smith\\dumps\\hs_err_pid%p.log",
                "-XX:HeapDumpPath=/srv/o'brien/dumps", "-XX:OnError=cmd /c \"echo it's %p\"", "-XX:+Plain");
        String value = JvmFlags.toolOptions(flags);
        assertThat(hotSpotSplit(value)).containsExactlyElementsOf(flags);
        assertThat(value).startsWith("\"-XX:ErrorFile=C:\\Users\\Jo Smith\\dumps\\hs_err_pid%p.log\" ")
                .contains(" -XX:+Plain");
    }
}
