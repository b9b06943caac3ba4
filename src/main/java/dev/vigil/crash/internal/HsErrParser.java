package dev.vigil.crash.internal;

import dev.vigil.crash.CrashEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads the header facts of a HotSpot {@code hs_err} report. Tolerant: a missing fact is the empty string. */
public final class HsErrParser {
    private static final Pattern SIGNAL = Pattern.compile("^#\\s+([A-Z_][A-Z0-9_]*) \\((0x[0-9a-fA-F]+)\\) at pc=.*");
    private static final Pattern INTERNAL = Pattern.compile("^#\\s+(Internal Error|Out of Memory Error)\\b.*");
    private static final Pattern PID = Pattern.compile("pid=(\\d+)");

    private HsErrParser() {
    }

    /** Parses the report at {@code file}. */
    public static CrashEvent.NativeCrash parse(Path file) throws IOException {
        return parse(Files.readAllLines(file, StandardCharsets.ISO_8859_1));
    }

    /** Parses the lines of a report. */
    public static CrashEvent.NativeCrash parse(List<String> lines) {
        String error = "";
        String code = "";
        String frame = "";
        String jre = "";
        String vm = "";
        boolean complete = false;
        boolean frameNext = false;
        for (String line : lines) {
            if (frameNext) {
                frame = line.startsWith("#") ? line.substring(1).trim() : "";
                frameNext = false;
                continue;
            }
            if (line.trim().equals("END.")) {
                complete = true;
                continue;
            }
            if (!line.startsWith("#")) {
                continue;
            }
            Matcher m;
            if (error.isEmpty() && (m = SIGNAL.matcher(line)).matches()) {
                error = m.group(1);
                code = m.group(2);
            } else if (error.isEmpty() && (m = INTERNAL.matcher(line)).matches()) {
                error = m.group(1);
            } else if (line.startsWith("# JRE version:")) {
                jre = line.substring("# JRE version:".length()).trim();
            } else if (line.startsWith("# Java VM:")) {
                vm = line.substring("# Java VM:".length()).trim();
            } else if (line.startsWith("# Problematic frame:")) {
                frameNext = true;
            }
        }
        return new CrashEvent.NativeCrash(error, code, frame, jre, vm, complete);
    }

    /** The pid printed in the header ({@code pid=1234}), or -1. */
    public static long pid(List<String> lines) {
        for (String line : lines) {
            if (line.startsWith("#")) {
                Matcher m = PID.matcher(line);
                if (m.find()) {
                    return Long.parseLong(m.group(1));
                }
            }
        }
        return -1;
    }
}
