package dev.vigil.crash.internal;

import dev.vigil.crash.DumpFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Recognises the files a dead JVM leaves ({@code hs_err_pid<pid>.log|.jfr|.mdmp}, {@code java_pid<pid>.hprof},
 * ELF cores named {@code core} or {@code core.<pid>}) and groups them by process.
 */
public final class Artifacts {

    /** One file a crashed process left. */
    public record Found(Path path, DumpFile.Format format, long pid, Instant modified, long size) {
    }

    /** All the files one process left, oldest first. */
    public record Group(long pid, List<Found> files) {
        /** The newest modification time of the group. */
        public Instant time() {
            return files.stream().map(Found::modified).max(Comparator.naturalOrder()).orElseThrow();
        }

        /** The first file of a format, if any. */
        public Found first(DumpFile.Format format) {
            for (Found f : files) {
                if (f.format() == format) {
                    return f;
                }
            }
            return null;
        }
    }

    private static final Pattern HS_ERR = Pattern.compile("hs_err_pid(\\d+)\\.(log|jfr|mdmp)");
    private static final Pattern HPROF = Pattern.compile("java_pid(\\d+)(?:\\.\\d+)?\\.hprof");
    private static final Pattern CORE = Pattern.compile("core(?:\\.(\\d+))?");

    private final List<Pattern> extraHsErr;

    /** Recognises the default names plus {@code errorFilePatterns} ({@code -XX:ErrorFile} file names, {@code %p} = pid). */
    public Artifacts(List<String> errorFilePatterns) {
        List<Pattern> extra = new ArrayList<>();
        for (String p : errorFilePatterns) {
            extra.add(errorFileRegex(p));
        }
        this.extraHsErr = List.copyOf(extra);
    }

    /** Turns an {@code ErrorFile} file name ({@code hs_%p.log}) into a pattern whose group 1 is the pid. */
    static Pattern errorFileRegex(String fileName) {
        StringBuilder re = new StringBuilder();
        int i = 0;
        boolean pid = false;
        while (i < fileName.length()) {
            char c = fileName.charAt(i);
            if (c == '%' && i + 1 < fileName.length()) {
                char n = fileName.charAt(i + 1);
                if (n == 'p' && !pid) {
                    re.append("(\\d+)");
                    pid = true;
                } else if (n == 'p') {
                    re.append("\\d+");
                } else if (n == '%') {
                    re.append('%');
                } else {
                    re.append(Pattern.quote("%" + n));
                }
                i += 2;
                continue;
            }
            re.append(Pattern.quote(String.valueOf(c)));
            i++;
        }
        if (!pid) {
            re.append("()");
        }
        return Pattern.compile(re.toString());
    }

    /** What a file name is, or null when it is not a crash artifact. */
    public Found recognise(Path file, BasicFileAttributes attrs) throws IOException {
        String name = file.getFileName().toString();
        Matcher m = HS_ERR.matcher(name);
        if (m.matches()) {
            DumpFile.Format f = switch (m.group(2)) {
                case "log" -> DumpFile.Format.HS_ERR;
                case "jfr" -> DumpFile.Format.FLIGHT_RECORDING;
                default -> DumpFile.Format.WINDOWS_MINIDUMP;
            };
            return found(file, f, Long.parseLong(m.group(1)), attrs);
        }
        for (Pattern p : extraHsErr) {
            m = p.matcher(name);
            if (m.matches()) {
                long pid = m.group(1).isEmpty() ? pidFromHeader(file) : Long.parseLong(m.group(1));
                return found(file, DumpFile.Format.HS_ERR, pid, attrs);
            }
        }
        m = HPROF.matcher(name);
        if (m.matches()) {
            return found(file, DumpFile.Format.HEAP_DUMP, Long.parseLong(m.group(1)), attrs);
        }
        m = CORE.matcher(name);
        if (m.matches() && isElfCore(file)) {
            return found(file, DumpFile.Format.CORE, m.group(1) == null ? -1 : Long.parseLong(m.group(1)), attrs);
        }
        return null;
    }

    /** The pid an {@code hs_err} report names in its header (for {@code ErrorFile} names without {@code %p}). */
    private static long pidFromHeader(Path file) throws IOException {
        try (java.util.stream.Stream<String> lines = Files.lines(file, java.nio.charset.StandardCharsets.ISO_8859_1)) {
            return HsErrParser.pid(lines.limit(20).toList());
        }
    }

    private static Found found(Path file, DumpFile.Format format, long pid, BasicFileAttributes attrs) {
        return new Found(file, format, pid, attrs.lastModifiedTime().toInstant(), attrs.size());
    }

    /** Whether the file starts with an ELF header of type {@code ET_CORE}. */
    static boolean isElfCore(Path file) throws IOException {
        byte[] h = new byte[18];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(h, 0, h.length) < h.length) {
                return false;
            }
        }
        boolean elf = h[0] == 0x7f && h[1] == 'E' && h[2] == 'L' && h[3] == 'F';
        int type = h[5] == 2 ? ((h[16] & 0xff) << 8) | (h[17] & 0xff) : (h[16] & 0xff) | ((h[17] & 0xff) << 8);
        return elf && type == 4;
    }

    /** Every artifact directly in {@code dir} (missing directories have none), grouped by pid, oldest group first. */
    public List<Group> scan(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Found> all = new ArrayList<>();
        for (Listed l : regularFiles(dir, "*")) {
            Found f = recognise(l.path(), l.attributes());
            if (f != null) {
                all.add(f);
            }
        }
        return group(all);
    }

    /** A regular file found by {@link #regularFiles}. */
    record Listed(Path path, BasicFileAttributes attributes) {
    }

    /** The regular files directly in {@code dir} whose names match {@code glob}; files vanishing meanwhile are skipped. */
    static List<Listed> regularFiles(Path dir, String glob) throws IOException {
        List<Listed> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, glob)) {
            for (Path p : ds) {
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                    if (a.isRegularFile()) {
                        out.add(new Listed(p, a));
                    }
                } catch (NoSuchFileException gone) {
                    // deleted while listing
                }
            }
        }
        return out;
    }

    /** Groups files by pid (files without a pid stay alone), oldest group first. */
    public static List<Group> group(List<Found> files) {
        Map<Object, List<Found>> byPid = new LinkedHashMap<>();
        List<Found> sorted = new ArrayList<>(files);
        sorted.sort(Comparator.comparing(Found::modified).thenComparing(f -> f.path().toString()));
        for (Found f : sorted) {
            Object key = f.pid() >= 0 ? (Object) f.pid() : f.path();
            byPid.computeIfAbsent(key, k -> new ArrayList<>()).add(f);
        }
        List<Group> groups = new ArrayList<>();
        for (List<Found> g : byPid.values()) {
            groups.add(new Group(g.get(0).pid(), List.copyOf(g)));
        }
        groups.sort(Comparator.comparing(Group::time));
        return groups;
    }
}
