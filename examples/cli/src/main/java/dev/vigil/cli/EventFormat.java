package dev.vigil.cli;

import dev.vigil.watch.FileEvent;
import java.nio.file.Path;

/** How {@code vigil watch} prints an event: one line each. */
enum EventFormat {
    /** {@code {"kind":"RENAMED","path":"/r/b","previous":"/r/a","directory":false,"root":"/r","time":"..."}}. */
    JSON {
        @Override
        String format(FileEvent e) {
            StringBuilder b = new StringBuilder(160).append("{\"kind\":\"").append(e.kind()).append("\",\"path\":");
            string(b, e.path().toString());
            b.append(",\"previous\":");
            if (e.previous().isPresent()) {
                string(b, e.previous().get().toString());
            } else {
                b.append("null");
            }
            b.append(",\"directory\":").append(e.isDirectory()).append(",\"root\":");
            string(b, e.root().toString());
            b.append(",\"time\":\"").append(e.time()).append('"');
            if (e.cause().isPresent()) {
                b.append(",\"cause\":");
                string(b, Messages.oneLine(e.cause().get()));
            }
            return b.append('}').toString();
        }
    },
    /** {@code 2026-11-27T17:00:00.123Z RENAMED  b (from a)}, paths relative to their root. */
    TEXT {
        @Override
        String format(FileEvent e) {
            StringBuilder b = new StringBuilder(100).append(e.time()).append(' ')
                    .append(String.format("%-8s", e.kind())).append(' ').append(relative(e.root(), e.path()));
            if (e.isDirectory()) {
                b.append('/');
            }
            e.previous().ifPresent(p -> b.append(" (from ").append(relative(e.root(), p)).append(')'));
            e.cause().ifPresent(c -> b.append(": ").append(Messages.oneLine(c)));
            return b.toString();
        }
    };

    abstract String format(FileEvent e);

    private static String relative(Path root, Path path) {
        String r = root.relativize(path).toString();
        return r.isEmpty() ? "." : r;
    }

    /** Appends {@code s} as a JSON string: quotes, backslashes and control characters escaped. */
    static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
