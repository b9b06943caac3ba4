/*
 * The kernel's floor for a watcher's scan: what the system calls alone cost for a tree, single-threaded, with no
 * model kept. Lists every directory (open + getdents64 until it returns 0 + close, as Vigil's lister does), then adds
 * an inotify watch on each (Vigil's mask), then closes the inotify fd (removing them all). Three rounds.
 *
 *   gcc -O2 -o /tmp/scan-floor benchmarks/scan-floor.c && /tmp/scan-floor /dev/shm/vigil-e2e/tree
 *
 * Compare with the "second watcher in the running JVM" figure of run-e2e.sh: that is Vigil's warm scan of the same
 * tree, both system calls and model.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MASK (IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF \
              | IN_MOVE_SELF | IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_ONLYDIR)

static char **dirs;
static size_t count, capacity;
static char buf[32768];

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void add(const char *path) {
    if (count == capacity) {
        capacity = capacity ? 2 * capacity : 1024;
        dirs = realloc(dirs, capacity * sizeof *dirs);
        if (!dirs) {
            perror("realloc");
            exit(1);
        }
    }
    dirs[count++] = strdup(path);
}

/* Collects every directory below the root, breadth first, without following links. */
static void collect(void) {
    for (size_t i = 0; i < count; i++) {
        int fd = open(dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
            continue;
        }
        long n;
        while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
            for (long off = 0; off < n;) {
                struct dirent64 *d = (struct dirent64 *) (buf + off);
                off += d->d_reclen;
                if (d->d_type == DT_DIR && strcmp(d->d_name, ".") && strcmp(d->d_name, "..")) {
                    char path[4096];
                    snprintf(path, sizeof path, "%s/%s", dirs[i], d->d_name);
                    add(path);
                }
            }
        }
        close(fd);
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s TREE\n", argv[0]);
        return 2;
    }
    add(argv[1]);
    collect();
    for (int round = 1; round <= 3; round++) {
        double t0 = now();
        long bytes = 0;
        for (size_t i = 0; i < count; i++) {
            int fd = open(dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            long n;
            while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
                bytes += n;
            }
            close(fd);
        }
        double t1 = now();
        int in = inotify_init1(IN_CLOEXEC);
        for (size_t i = 0; i < count; i++) {
            if (inotify_add_watch(in, dirs[i], MASK) < 0) {
                perror(dirs[i]);
            }
        }
        double t2 = now();
        close(in);
        double t3 = now();
        printf("round %d: %zu directories (%ld bytes of dirents): listing %.1f ms, inotify_add_watch %.1f ms, "
               "close (removes the watches) %.1f ms\n",
               round, count, bytes, (t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3);
    }
    return 0;
}
