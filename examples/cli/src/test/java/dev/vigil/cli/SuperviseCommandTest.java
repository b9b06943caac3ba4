package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SuperviseCommandTest {
    @TempDir
    Path tmp;

    private final List<Cli> started = new ArrayList<>();

    @AfterEach
    void stop() {
        started.forEach(Cli::close);
    }

    private Cli supervise(String format, String mainClass) throws Exception {
        List<String> args = new ArrayList<>(List.of("supervise", "--name", "app", "--dir", tmp.resolve("dumps")
                .toString(), "--format", format, "--"));
        args.addAll(Cli.java(mainClass));
        Cli cli = Cli.start(tmp, args.toArray(String[]::new));
        started.add(cli);
        return cli;
    }

    @Test
    void haltReportsAnAbnormalExitAndExitsWithItsStatus() throws Exception {
        Cli cli = supervise("text", "dev.vigil.cli.fixtures.Halt3");
        assertEquals(3, cli.exit(), cli.err().toString());
        assertTrue(cli.out().contains("halting with 3"), cli.out().toString()); // the child's own output passes through
        assertTrue(cli.out().stream().anyMatch(l -> l.matches("ABNORMAL_EXIT pid=\\d+ exit=3: .*status 3.*")),
                cli.out().toString());
    }

    @Test
    void exceptionFromMainIsStatus1AsJson() throws Exception {
        Cli cli = supervise("json", "dev.vigil.cli.fixtures.ThrowFromMain");
        assertEquals(1, cli.exit());
        assertTrue(cli.err().stream().anyMatch(l -> l.contains("IllegalStateException: thrown from main on purpose")),
                cli.err().toString());
        String event = cli.out().stream().filter(l -> l.startsWith("{")).findFirst().orElseThrow();
        assertTrue(event.matches("\\{\"kind\":\"ABNORMAL_EXIT\",\"source\":\"SUPERVISOR\",\"pid\":\\d+,"
                + "\"exitCode\":1,.*"), event);
        assertEquals(1, cli.out().stream().filter(l -> l.startsWith("{")).count(), cli.out().toString());
    }
}
