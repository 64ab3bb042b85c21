/* atomic — write a file through a temporary name and a rename. */
#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

FILE *report_atomic_open(const char *path, const char *what, char *tmp_path,
                         size_t tmp_path_size)
{
    FILE *out;
    int fd;

    /* The process id keeps two writers of the same path apart; 0666 lets the
     * umask decide the mode, as for any file the user creates. */
    if (snprintf(tmp_path, tmp_path_size, "%s.tmp.%ld", path, (long)getpid()) >=
        (int)tmp_path_size) {
        fprintf(stderr, "barriersim: %s path is too long: %s\n", what, path);
        return NULL;
    }
    fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);

    /* A file with our process id is a leftover of a dead process that had
     * the same id, since this process writes one file at a time. */
    if (fd < 0 && errno == EEXIST && remove(tmp_path) == 0) {
        fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    }
    out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (out == NULL) {
        fprintf(stderr, "barriersim: could not write %s \"%s\": %s; check that the "
                        "folder exists and is writable\n",
                what, path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            remove(tmp_path);
        }
        return NULL;
    }
    return out;
}

int report_atomic_close(FILE *out, bool ok, const char *tmp_path, const char *path,
                        const char *what)
{
    int error = 0;

    if (ok && (fflush(out) != 0 || ferror(out) != 0)) {
        error = errno != 0 ? errno : EIO;
    }
    if (fclose(out) != 0 && error == 0) {
        error = errno;
    }
    if (ok && error == 0 && rename(tmp_path, path) != 0) {
        error = errno;
    }
    if (!ok || error != 0) {
        remove(tmp_path);
    }
    if (ok && error != 0) {
        fprintf(stderr, "barriersim: could not write %s \"%s\": %s; check that the "
                        "folder exists and is writable\n",
                what, path, strerror(error));
        return -1;
    }
    return ok ? 0 : -1;
}
