package dev.vigil.cli;

import java.util.regex.PatternSyntaxException;

/** Turns exceptions into the one-line messages the tool prints. */
final class Messages {
    private Messages() {
    }

    /** The exception's own message on one line, or its type when it has none; causes are appended once. */
    static String oneLine(Throwable e) {
        if (e instanceof PatternSyntaxException p) {
            return pattern(p);
        }
        String msg = e.getMessage() != null && !e.getMessage().isBlank() ? e.getMessage() : e.getClass().getName();
        Throwable cause = e.getCause();
        if (cause != null && cause.getMessage() != null && !msg.contains(cause.getMessage())) {
            msg += " (" + cause.getMessage() + ")";
        }
        return msg.replaceAll("\\s*\\R\\s*", " ").trim();
    }

    /** "bad pattern 'x[': Unclosed character class at 1", without the JDK's multi-line caret picture. */
    static String pattern(PatternSyntaxException p) {
        return "bad pattern '" + p.getPattern() + "': " + p.getDescription()
                + (p.getIndex() >= 0 ? " at position " + p.getIndex() : "");
    }
}
