package dev.vigil.crash.internal;

import dev.vigil.crash.CrashEvent;
import dev.vigil.crash.DumpFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What a supervised child left when it exited: the files in its run directory and those named after its pid in its
 * working directory (JDK 17 writes the emergency recording there), claimed into the dump directory and classified.
 */
public final class SupervisedExit {

    private SupervisedExit() {
    }

    /** The event (or none) of a child that exited with {@code exit}; moves its files into the dump directory. */
    public static List<CrashEvent> collect(long pid, int exit, Path runDirectory, Path workingDirectory,
                                       PostMortem postMortem) {
        Instant exitTime = Instant.now();
        try {
            List<Artifacts.Found> found = new ArrayList<>();
            Artifacts artifacts = new Artifacts(List.of());
            for (Artifacts.Group g : artifacts.scan(runDirectory)) {
                found.addAll(g.files());
            }
            for (Artifacts.Group g : artifacts.scan(workingDirectory)) {
                if (g.pid() == pid) {
                    found.addAll(g.files());
                }
            }
            Path exitRecording = runDirectory.resolve(JvmFlags.EXIT_RECORDING);
            // JFR creates the file empty at start; it has content only if the JVM ran its shutdown hooks.
            boolean hasExitRecording = Files.isRegularFile(exitRecording) && Files.size(exitRecording) > 0;
            if (!hasExitRecording || exit == 0 && found.isEmpty()) {
                Files.deleteIfExists(exitRecording);
            }
            if (exit == 0 && found.isEmpty()) {
                deleteIfEmpty(runDirectory);
                return List.of();
            }
            if (hasExitRecording) {
                var attrs = Files.readAttributes(exitRecording,
                        java.nio.file.attribute.BasicFileAttributes.class);
                found.add(new Artifacts.Found(exitRecording, DumpFile.Format.FLIGHT_RECORDING, pid,
                        attrs.lastModifiedTime().toInstant(), attrs.size()));
            }
            found.sort(java.util.Comparator.comparing(Artifacts.Found::modified));
            Artifacts.Group group = found.isEmpty() ? null : new Artifacts.Group(pid, List.copyOf(found));
            PostMortem.Claimed claimed = group == null
                    ? new PostMortem.Claimed(List.of(), java.util.Map.of(), null) : postMortem.claim(group);
            ExitClassifier.Verdict verdict = ExitClassifier.classify(exit, claimed);
            deleteIfEmpty(runDirectory);
            if (verdict == null) {
                return List.of();
            }
            Instant time = group == null ? exitTime : group.time();
            String message = PostMortem.describe(pid, verdict.kind(), claimed, verdict.cause())
                    + " [exit status " + ExitClassifier.describeStatus(HostOs.current(), exit) + "]";
            return List.of(postMortem.event(verdict.kind(), CrashEvent.Source.SUPERVISOR, pid, time, exit,
                    message, claimed));
        } catch (IOException e) {
            throw new UncheckedIOException("could not collect the crash files of pid " + pid + " from "
                    + runDirectory + " and " + workingDirectory, e);
        }
    }

    private static void deleteIfEmpty(Path runDirectory) throws IOException {
        try (DirectoryStream<Path> left = Files.newDirectoryStream(runDirectory)) {
            if (left.iterator().hasNext()) {
                return; // files we did not recognise stay for a human to look at
            }
        }
        Files.delete(runDirectory);
    }
}
