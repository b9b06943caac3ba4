package dev.vigil.crash;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * The bits of the Windows {@code MINIDUMP_TYPE} that {@code MiniDumpWriteDump} takes, as documented by Microsoft
 * (DbgHelp), with the presets Vigil recommends. An empty set is {@code MiniDumpNormal} (0): stacks of all threads
 * and the module list. Used by {@link CrashReporterOptions#withMinidumpFlags(Set)}; for a bit not listed here
 * (a future Windows), use {@link CrashReporterOptions#withMinidumpType(int)}.
 *
 * <p>Presets, smallest first:
 * <ul>
 *   <li>{@link #SMALL}: native stacks, thread times, unloaded modules, handles: a few hundred KiB; JIT-compiled Java
 *       frames cannot be read from it.</li>
 *   <li>{@link #WITH_REFERENCED_MEMORY}: {@code SMALL} plus the memory that stacks point to; several MiB.</li>
 *   <li>{@link #FULL}: the flags HotSpot itself uses for {@code hs_err_pid*.mdmp}: all committed memory, which is
 *       the only kind from which Java-level state (heap, Java stacks) can be recovered. As large as the process, and
 *       holds every secret it has.</li>
 * </ul>
 */
public enum MinidumpFlag {
    /** {@code MiniDumpWithDataSegs}: data sections of loaded modules. */
    WITH_DATA_SEGS(0x0000_0001),
    /** {@code MiniDumpWithFullMemory}: all accessible memory of the process. */
    WITH_FULL_MEMORY(0x0000_0002),
    /** {@code MiniDumpWithHandleData}: the OS handles of the process. */
    WITH_HANDLE_DATA(0x0000_0004),
    /** {@code MiniDumpFilterMemory}: stack memory filtered to pointers into modules. */
    FILTER_MEMORY(0x0000_0008),
    /** {@code MiniDumpScanMemory}: stack and backing store scanned for module references. */
    SCAN_MEMORY(0x0000_0010),
    /** {@code MiniDumpWithUnloadedModules}: recently unloaded modules. */
    WITH_UNLOADED_MODULES(0x0000_0020),
    /** {@code MiniDumpWithIndirectlyReferencedMemory}: pages referenced by locals and other stack memory. */
    WITH_INDIRECTLY_REFERENCED_MEMORY(0x0000_0040),
    /** {@code MiniDumpFilterModulePaths}: module paths reduced to file names. */
    FILTER_MODULE_PATHS(0x0000_0080),
    /** {@code MiniDumpWithProcessThreadData}: PEB and TEB memory. */
    WITH_PROCESS_THREAD_DATA(0x0000_0100),
    /** {@code MiniDumpWithPrivateReadWriteMemory}: all private read-write pages. */
    WITH_PRIVATE_READ_WRITE_MEMORY(0x0000_0200),
    /** {@code MiniDumpWithoutOptionalData}: reduce the data of the other flags to the minimum. */
    WITHOUT_OPTIONAL_DATA(0x0000_0400),
    /** {@code MiniDumpWithFullMemoryInfo}: the complete virtual memory layout. */
    WITH_FULL_MEMORY_INFO(0x0000_0800),
    /** {@code MiniDumpWithThreadInfo}: thread state, times and start addresses. */
    WITH_THREAD_INFO(0x0000_1000),
    /** {@code MiniDumpWithCodeSegs}: code sections of loaded modules. */
    WITH_CODE_SEGS(0x0000_2000),
    /** {@code MiniDumpWithoutAuxiliaryState}: no auxiliary data providers. */
    WITHOUT_AUXILIARY_STATE(0x0000_4000),
    /** {@code MiniDumpWithFullAuxiliaryState}: full data from auxiliary data providers. */
    WITH_FULL_AUXILIARY_STATE(0x0000_8000),
    /** {@code MiniDumpWithPrivateWriteCopyMemory}: private write-copy pages. */
    WITH_PRIVATE_WRITE_COPY_MEMORY(0x0001_0000),
    /** {@code MiniDumpIgnoreInaccessibleMemory}: do not fail on unreadable memory. */
    IGNORE_INACCESSIBLE_MEMORY(0x0002_0000),
    /** {@code MiniDumpWithTokenInformation}: security tokens. */
    WITH_TOKEN_INFORMATION(0x0004_0000),
    /** {@code MiniDumpWithModuleHeaders}: module headers. */
    WITH_MODULE_HEADERS(0x0008_0000),
    /** {@code MiniDumpFilterTriage}: filter for triage. */
    FILTER_TRIAGE(0x0010_0000),
    /** {@code MiniDumpWithAvxXStateContext}: AVX register state. */
    WITH_AVX_XSTATE_CONTEXT(0x0020_0000),
    /** {@code MiniDumpWithIptTrace}: Intel Processor Trace data. */
    WITH_IPT_TRACE(0x0040_0000),
    /** {@code MiniDumpScanInaccessiblePartialPages}: scan partially inaccessible pages. */
    SCAN_INACCESSIBLE_PARTIAL_PAGES(0x0080_0000),
    /** {@code MiniDumpFilterWriteCombinedMemory}: exclude write-combined memory. */
    FILTER_WRITE_COMBINED_MEMORY(0x0100_0000);

    /** Native stacks, thread data, unloaded modules and handles. */
    public static final Set<MinidumpFlag> SMALL = Collections.unmodifiableSet(EnumSet.of(
            WITH_THREAD_INFO, WITH_UNLOADED_MODULES, WITH_PROCESS_THREAD_DATA, WITH_HANDLE_DATA));

    /** {@link #SMALL} plus the memory referenced from stacks. */
    public static final Set<MinidumpFlag> WITH_REFERENCED_MEMORY = Collections.unmodifiableSet(EnumSet.of(
            WITH_THREAD_INFO, WITH_UNLOADED_MODULES, WITH_PROCESS_THREAD_DATA, WITH_HANDLE_DATA,
            WITH_INDIRECTLY_REFERENCED_MEMORY, SCAN_MEMORY));

    /** HotSpot's own choice for crash minidumps: all memory, handles, memory layout, threads, unloaded modules. */
    public static final Set<MinidumpFlag> FULL = Collections.unmodifiableSet(EnumSet.of(
            WITH_FULL_MEMORY, WITH_HANDLE_DATA, WITH_FULL_MEMORY_INFO, WITH_THREAD_INFO, WITH_UNLOADED_MODULES));

    private final int bit;

    MinidumpFlag(int bit) {
        this.bit = bit;
    }

    /** The value of this flag in {@code MINIDUMP_TYPE}. */
    public int bit() {
        return bit;
    }

    /** The {@code MINIDUMP_TYPE} value of a set of flags (0, {@code MiniDumpNormal}, for an empty set). */
    public static int toType(Set<MinidumpFlag> flags) {
        int type = 0;
        for (MinidumpFlag f : Objects.requireNonNull(flags, "flags")) {
            type |= f.bit;
        }
        return type;
    }

    /** The flags set in a {@code MINIDUMP_TYPE} value; bits this enum does not know are ignored. */
    public static Set<MinidumpFlag> fromType(int type) {
        EnumSet<MinidumpFlag> set = EnumSet.noneOf(MinidumpFlag.class);
        for (MinidumpFlag f : values()) {
            if ((type & f.bit) != 0) {
                set.add(f);
            }
        }
        return set;
    }
}
