package dev.vigil.examples;

import dev.vigil.watch.FileEvent;
import dev.vigil.watch.FileWatcher;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Config reload: a typed configuration file watched, debounced, parsed and validated, as a {@code Flux} of results.
 *
 * <p>What it shows:
 * <ul>
 *   <li>The file's <b>directory</b> is watched, not the file: editors replace files rather than write them in place,
 *       so the file's identity changes on every save. Any event naming the file (as its path or as the previous name
 *       of a rename) counts; the rest of the directory (swap files, vim's {@code 4913} probe, temporary files) is
 *       ignored.</li>
 *   <li><b>Debounce</b>: a save is a burst of events (vim: rename to a backup, create, write, delete the backup;
 *       atomic savers: write a temporary file, rename it over; others: delete then create). The file is read once the
 *       burst has been quiet for {@link Builder#quietPeriod(Duration)} (default 200 ms), so a burst is one reload
 *       and a half-written or momentarily missing file is never read.</li>
 *   <li><b>Last good configuration kept</b>: a file that is missing, cannot be read, is malformed
 *       ({@code key = value} lines, {@code #} comments) or fails the typed parser's validation gives a
 *       {@link Rejected} saying why (file, line, key), and {@link #current()} keeps the last {@link Applied} one.</li>
 *   <li>The first result is the initial load, read once the watch is established, so no change can fall between
 *       the first read and the watch.</li>
 * </ul>
 *
 * <p>Run it: {@code mvn -q -B -ntp test-compile exec:java@config-reload} (a scene in a temporary directory: each
 * editor's way of saving, a bad value, its fix).
 *
 * @param <T> the typed configuration, for example the {@link ServerConfig} record
 */
public final class ConfigReload<T> {

    /** What one reload gave. */
    public sealed interface Result<T> permits Applied, Rejected {
    }

    /** The file was read and validated: {@code config} is now {@link #current()}. */
    public record Applied<T>(T config) implements Result<T> {
    }

    /** The file was refused for {@code reason}; {@code kept} is the configuration still in force, if any. */
    public record Rejected<T>(String reason, Optional<T> kept) implements Result<T> {
    }

    /**
     * Turns the file's entries into the typed configuration.
     *
     * @param <T> the configuration type
     */
    @FunctionalInterface
    public interface Parser<T> {
        /**
         * @param entries the file's {@code key = value} entries, in file order
         * @throws IllegalArgumentException naming the key and what is wrong, when an entry is invalid or missing
         */
        T parse(Map<String, String> entries);
    }

    private final Path file;
    private final Parser<T> parser;
    private final Duration quiet;
    private final Scheduler timer;
    private final FileWatcher watcher;
    private final AtomicReference<T> current = new AtomicReference<>();

    private ConfigReload(Builder<T> b) {
        this.file = b.file;
        this.parser = b.parser;
        this.quiet = b.quiet;
        this.timer = b.timer;
        this.watcher = FileWatcher.builder().root(file.getParent()).recursive(false).build();
    }

    /** Reloads {@code file} with {@code parser}; see {@link Builder} for the options. */
    public static <T> Builder<T> builder(Path file, Parser<T> parser) {
        return new Builder<>(file, parser);
    }

    /**
     * The results: first the initial load (once the watch is established), then one per debounced burst of changes
     * to the file. Cold: each subscription has its own watch; all of them update {@link #current()}. Reloads run on
     * the timer's thread ({@link Builder#scheduler(Scheduler)}), the initial one on {@link Schedulers#boundedElastic()}. Fails only when the watch fails (the directory deleted completes it).
     */
    public Flux<Result<T>> results() {
        Flux<FileEvent> changes = watcher.events().filter(this::concernsFile);
        Flux<Object> debounced = changes.sampleTimeout(e -> Mono.delay(quiet, timer)).cast(Object.class);
        Mono<Object> initial = Mono.defer(watcher::ready) // subscribed after the session above exists
                .publishOn(Schedulers.boundedElastic()).thenReturn(file);
        return Flux.merge(debounced, initial).map(trigger -> reload());
    }

    /** The configuration in force: the last one applied, or empty when none was ever valid. */
    public Optional<T> current() {
        return Optional.ofNullable(current.get());
    }

    /** Completes once every subscription's watch is established. */
    public Mono<Void> ready() {
        return Mono.defer(watcher::ready);
    }

    /**
     * A barrier: completes once every change made before it has reached the debounce of every subscription (after
     * which, the quiet period elapsed, one reload follows).
     */
    public Mono<Void> sync() {
        return Mono.defer(watcher::sync);
    }

    private boolean concernsFile(FileEvent e) {
        return e.kind() == FileEvent.Kind.OVERFLOW || e.path().equals(file)
                || e.previous().map(file::equals).orElse(false);
    }

    private Result<T> reload() {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            return reject(file + " does not exist (deleted and not recreated); create it to apply a configuration");
        } catch (CharacterCodingException e) {
            return reject(file + " is not UTF-8 text");
        } catch (IOException e) {
            return reject("cannot read " + file + ": " + e);
        }
        T config;
        try {
            config = Objects.requireNonNull(parser.parse(entries(text)), "the parser returned null");
        } catch (IllegalArgumentException e) {
            return reject(file + ": " + e.getMessage());
        }
        current.set(config);
        return new Applied<>(config);
    }

    private Result<T> reject(String reason) {
        return new Rejected<>(reason, current());
    }

    /** Parses {@code key = value} lines; blank lines and {@code #} comments are skipped. */
    static Map<String, String> entries(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("line " + (i + 1) + ": expected 'key = value', found '" + line + "'");
            }
            String key = line.substring(0, eq).strip();
            if (out.put(key, line.substring(eq + 1).strip()) != null) {
                throw new IllegalArgumentException("line " + (i + 1) + ": '" + key + "' is set twice");
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * Options of a {@link ConfigReload}.
     *
     * @param <T> the configuration type
     */
    public static final class Builder<T> {
        private final Path file;
        private final Parser<T> parser;
        private Duration quiet = Duration.ofMillis(200);
        private Scheduler timer = Schedulers.boundedElastic();

        private Builder(Path file, Parser<T> parser) {
            this.file = Objects.requireNonNull(file, "file").toAbsolutePath().normalize();
            this.parser = Objects.requireNonNull(parser, "parser");
            if (this.file.getParent() == null) {
                throw new IllegalArgumentException("a configuration file needs a directory: " + this.file);
            }
        }

        /** How long the file must stay untouched before it is read (default 200 ms). */
        public Builder<T> quietPeriod(Duration quiet) {
            if (quiet.isNegative() || quiet.isZero()) {
                throw new IllegalArgumentException("quietPeriod must be positive, was " + quiet);
            }
            this.quiet = quiet;
            return this;
        }

        /**
         * The scheduler that times the quiet period and runs the reloads that follow it, so it must allow blocking
         * file I/O (default {@link Schedulers#boundedElastic()}).
         */
        public Builder<T> scheduler(Scheduler timer) {
            this.timer = Objects.requireNonNull(timer, "timer");
            return this;
        }

        /** A reloader; nothing is watched until {@link ConfigReload#results()} is subscribed. */
        public ConfigReload<T> build() {
            return new ConfigReload<>(this);
        }
    }

    /**
     * The example's typed configuration: where a server listens and how long it waits.
     *
     * @param host the interface to bind ({@code host}, required, non-blank)
     * @param port the port ({@code port}, required, 1 to 65535)
     * @param timeout the request timeout ({@code timeout}, ISO-8601 like {@code PT30S} or milliseconds; default 30 s)
     */
    public record ServerConfig(String host, int port, Duration timeout) {
        private static final Set<String> KEYS = Set.of("host", "port", "timeout");

        /** Parses and validates; every message names the key. */
        public static ServerConfig parse(Map<String, String> entries) {
            for (String key : entries.keySet()) {
                if (!KEYS.contains(key)) {
                    throw new IllegalArgumentException("unknown key '" + key + "' (known: host, port, timeout)");
                }
            }
            String host = entries.get("host");
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("'host' is required");
            }
            String portText = entries.get("port");
            if (portText == null) {
                throw new IllegalArgumentException("'port' is required");
            }
            int port;
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'port' must be a number, was '" + portText + "'", e);
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("'port' must be between 1 and 65535, was " + port);
            }
            return new ServerConfig(host, port, timeout(entries.getOrDefault("timeout", "PT30S")));
        }

        private static Duration timeout(String text) {
            Duration d;
            try {
                d = text.startsWith("P") ? Duration.parse(text) : Duration.ofMillis(Long.parseLong(text));
            } catch (DateTimeParseException | NumberFormatException e) {
                throw new IllegalArgumentException("'timeout' must be ISO-8601 (PT30S) or milliseconds, was '"
                        + text + "'", e);
            }
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("'timeout' must be positive, was " + text);
            }
            return d;
        }
    }

    /** Plays a scene in a temporary directory: each editor's way of saving, a bad value, its fix. */
    public static void main(String[] args) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("vigil-config");
        Path conf = dir.resolve("server.conf");
        Files.writeString(conf, "host = localhost\nport = 8080\n");
        // a quiet period longer than the default: each save below must stay one burst even on a loaded machine
        ConfigReload<ServerConfig> reload = ConfigReload.builder(conf, ServerConfig::parse)
                .quietPeriod(Duration.ofMillis(500)).build();
        BlockingQueue<Result<ServerConfig>> results = new LinkedBlockingQueue<>();
        Disposable d = reload.results().subscribe(results::add);
        System.out.println("watching " + conf);
        show("initial load", results);
        save("atomic save (write server.conf.tmp, rename it over)", results, () -> {
            Files.writeString(dir.resolve("server.conf.tmp"), "host = localhost\nport = 8081\n");
            Files.move(dir.resolve("server.conf.tmp"), conf, StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        });
        save("vim (rename to server.conf~, write server.conf, delete server.conf~)", results, () -> {
            Files.move(conf, dir.resolve("server.conf~"));
            Files.writeString(conf, "host = 0.0.0.0\nport = 8082\ntimeout = PT5S\n");
            Files.delete(dir.resolve("server.conf~"));
        });
        save("a bad port", results, () -> Files.writeString(conf, "host = 0.0.0.0\nport = 80800\n"));
        System.out.println("  still in force: " + reload.current().orElseThrow());
        save("fixed", results, () -> Files.writeString(conf, "host = 0.0.0.0\nport = 8083\n"));
        save("delete and create", results, () -> {
            Files.delete(conf);
            Files.writeString(conf, "host = ::1\nport = 8084\n");
        });
        d.dispose();
        System.out.println("done; the files are left in " + dir);
    }

    private interface Step {
        void run() throws IOException;
    }

    private static void save(String what, BlockingQueue<Result<ServerConfig>> results, Step step)
            throws IOException, InterruptedException {
        System.out.println("$ " + what);
        step.run();
        show("reload", results);
    }

    private static void show(String what, BlockingQueue<Result<ServerConfig>> results) throws InterruptedException {
        Result<ServerConfig> r = results.poll(10, TimeUnit.SECONDS);
        System.out.println("  " + what + ": " + (r == null ? "(nothing within 10 s)" : r));
    }
}
