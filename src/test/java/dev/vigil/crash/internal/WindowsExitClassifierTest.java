package dev.vigil.crash.internal;

import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** {@link ExitClassifierTest} again in a Windows JVM (the wine profile runs only Windows tests): the Windows branch
 * must be the one chosen there. */
@EnabledOnOs(OS.WINDOWS)
class WindowsExitClassifierTest extends ExitClassifierTest {
}
