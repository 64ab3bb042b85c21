/*
 * atomic — write a file so that readers see the old file or the whole new
 * one, never a half-written one: write a temporary file in the same folder,
 * then rename it over the target.
 *
 * Invariants:
 *  1. The temporary name is PATH.tmp.PID, created with O_EXCL, so two
 *     processes writing the same PATH never share a temporary file.
 *  2. On any failure the temporary file is removed and PATH is untouched.
 */
#ifndef BARRIERSIM_ATOMIC_H
#define BARRIERSIM_ATOMIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Open a temporary file in path's folder for an atomic write; tmp_path
 * receives its name. Returns NULL after printing why (what names the kind
 * of file in the message). */
FILE *report_atomic_open(const char *path, const char *what, char *tmp_path,
                         size_t tmp_path_size);
/* Close out and rename tmp_path to path when ok is true; otherwise, or when
 * that fails, remove tmp_path. Returns 0, or -1 when ok is false (the caller
 * has printed why) or after printing why the close or the rename failed. */
int report_atomic_close(FILE *out, bool ok, const char *tmp_path, const char *path,
                        const char *what);

#endif
