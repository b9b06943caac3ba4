package dev.vigil.cli;

/** Bad input the user can fix (a root, a pattern, an option): printed as one line, exit status 2. */
final class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UserError(String message) {
        super(message, null, false, false);
    }
}
