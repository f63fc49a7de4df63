package dev.genba.agent.db;

import dev.genba.agent.logs.AgentLog;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.sqlite.SQLiteJDBCLoader;

/**
 * SQLite's native library, copied once per sqlite-jdbc version into the state directory and loaded
 * from there. Left to itself, sqlite-jdbc copies it out of the jar into java.io.tmpdir on every
 * start, after probing the platform (it runs {@code uname}) and comparing the copy byte by byte:
 * ~50 classes that stay loaded for months, a process and 1 MB written at every start
 * (docs/PERFORMANCE.md, "Agent"). Done only where the library's folder in the jar follows from
 * os.name and os.arch alone (Linux on x86_64 or aarch64); elsewhere, when the operator set
 * {@code org.sqlite.lib.path} or {@code org.sqlite.lib.name}, or when the copy cannot be made,
 * sqlite-jdbc loads it as before. The copy is loaded here first: one that fails to load (damaged on
 * the SD card) is made again, and one that still fails (a {@code noexec} state directory) is left
 * to sqlite-jdbc's own extraction with one warning, instead of its error and stack trace on every
 * start and every command.
 */
final class SqliteLibrary {
    static final String PATH_PROPERTY = "org.sqlite.lib.path";
    static final String NAME_PROPERTY = "org.sqlite.lib.name";
    static final String LIBRARY = "libsqlitejdbc.so";
    private static final String COPY_PREFIX = "sqlite-jdbc-";
    /** Beside a copy that was made afresh and still did not load: why. */
    static final String UNLOADABLE = "cannot-load.txt";
    private static final AgentLog LOG = AgentLog.of(SqliteLibrary.class);

    private SqliteLibrary() {
    }

    /**
     * Points sqlite-jdbc at a copy under {@code stateDir/native}, made now when missing. The setting
     * is the JVM's (a native library is loaded once per JVM), so the first database opened decides.
     */
    static void useCopyIn(Path stateDir) {
        if (System.getProperty(PATH_PROPERTY) != null || System.getProperty(NAME_PROPERTY) != null
                || System.getProperty("org.sqlite.osinfo.architecture") != null) {
            return;
        }
        String folder = folder(System.getProperty("os.name"), System.getProperty("os.arch"));
        String version = SQLiteJDBCLoader.getVersion();
        if (folder == null || version.isEmpty() || version.equals("unknown")) {
            return;
        }
        Path nativeDir = stateDir.resolve("native");
        try {
            Path unloadable = copyDirectory(nativeDir, folder, version).resolve(UNLOADABLE);
            if (Files.exists(unloadable)) {
                // found before that a fresh copy does not load here: not written again at every start
                LOG.warn("SQLite's library cannot be loaded from " + nativeDir + " (" + Files.readString(unloadable).strip()
                        + "); using the copy sqlite-jdbc makes in " + System.getProperty("java.io.tmpdir")
                        + " (once " + stateDir + " allows it, remove " + nativeDir + " to try again)");
                return;
            }
            Path copy = copy(nativeDir, folder, version);
            if (copy == null) {
                return;
            }
            String failure = load(copy);
            if (failure != null) {
                // damaged since it was made (an SD card's bad block): made again once
                Files.delete(copy);
                copy = copy(nativeDir, folder, version);
                failure = load(copy);
            }
            if (failure == null) {
                System.setProperty(PATH_PROPERTY, copy.getParent().toString());
            } else {
                String why = failure + "; is " + stateDir + " mounted noexec?";
                Files.writeString(unloadable, why + "\n");
                LOG.warn("cannot load SQLite's library from " + copy + " (" + why + "); using the copy sqlite-jdbc"
                        + " makes in " + System.getProperty("java.io.tmpdir") + " (once " + stateDir
                        + " allows it, remove " + nativeDir + " to try again)");
            }
        } catch (IOException e) {
            // sqlite-jdbc extracts its own copy to java.io.tmpdir, as it always did
        }
    }

    private static Path copyDirectory(Path nativeDir, String folder, String version) {
        return nativeDir.resolve(COPY_PREFIX + version + "-" + folder.replace('/', '-'));
    }

    /**
     * Loads the library (sqlite-jdbc's own load of the same file is then a no-op); null when it
     * loaded, else why not.
     */
    private static String load(Path library) {
        try {
            System.load(library.toAbsolutePath().toString());
            return null;
        } catch (UnsatisfiedLinkError e) {
            return e.getMessage();
        }
    }

    /**
     * The library's folder in the sqlite-jdbc jar, where that is what sqlite-jdbc itself would pick
     * from these two properties alone; null for every other platform (32-bit ARM needs `uname -m`).
     */
    static String folder(String osName, String osArch) {
        if (osName == null || !osName.equals("Linux") || osArch == null) {
            return null;
        }
        return switch (osArch) {
            case "amd64", "x86_64" -> "Linux/x86_64";
            case "aarch64" -> "Linux/aarch64";
            default -> null;
        };
    }

    /**
     * {@code nativeDir/sqlite-jdbc-VERSION-OS-ARCH/libsqlitejdbc.so}, copied from the jar unless it is
     * there already; copies of other versions are removed. Null when the jar has no library there.
     */
    static Path copy(Path nativeDir, String folder, String version) throws IOException {
        Path directory = copyDirectory(nativeDir, folder, version);
        Path library = directory.resolve(LIBRARY);
        if (Files.isRegularFile(library)) {
            return library;
        }
        try (InputStream in = SQLiteJDBCLoader.class.getResourceAsStream("/org/sqlite/native/" + folder + "/" + LIBRARY)) {
            if (in == null) {
                return null;
            }
            Files.createDirectories(directory);
            // A name of its own, so `genba-agent status` copying at the same time writes another file.
            Path partial = directory.resolve(LIBRARY + "." + System.nanoTime() + ".partial");
            try {
                try (FileChannel out = FileChannel.open(partial, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    in.transferTo(Channels.newOutputStream(out));
                    // Synced before the rename: after a power cut the name must not point at a torn
                    // copy, which would fail to load on every start from then on.
                    out.force(true);
                }
                Files.move(partial, library, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(partial);
            }
        }
        removeOtherVersions(nativeDir, directory);
        return library;
    }

    private static void removeOtherVersions(Path nativeDir, Path current) {
        try (DirectoryStream<Path> copies = Files.newDirectoryStream(nativeDir, COPY_PREFIX + "*")) {
            for (Path copy : copies) {
                if (!copy.equals(current)) {
                    try (DirectoryStream<Path> files = Files.newDirectoryStream(copy)) {
                        for (Path file : files) {
                            Files.deleteIfExists(file);
                        }
                    }
                    Files.deleteIfExists(copy);
                }
            }
        } catch (IOException e) {
            // an old copy left behind costs disk space only
        }
    }
}
