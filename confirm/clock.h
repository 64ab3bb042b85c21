/*
 * clock — the simulator's virtual clock on the real server.
 *
 * The barrier's statements call now(), and the reaper's choices compare it
 * with its timeouts, so a replay in virtual time needs now() in virtual time
 * too. The mirror creates barriersim.now(), which reads the session setting
 * barriersim.now_us, and puts schema barriersim ahead of pg_catalog on its
 * connections, so the statements' unqualified now() resolves to it. The
 * statements themselves stay unchanged.
 *
 * Virtual time 0 is 2000-01-01 00:00:00 UTC on the real server.
 *
 * Invariants:
 *  1. Before each statement the mirror sets barriersim.now_us to the start
 *     of the simulated transaction it runs in, which is what now() returns
 *     in PostgreSQL (the simulator uses the same rule).
 *  2. Only the mirror's own connections see the virtual clock; the
 *     function is created in schema barriersim, which the tool owns.
 */
#ifndef BARRIERSIM_CLOCK_H
#define BARRIERSIM_CLOCK_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Create barriersim.now() and set the seeded lease row's time to virtual
 * 0, as the simulator's. Returns false after writing why into error. */
bool confirm_clock_install(PGconn *admin, char *error, size_t error_size);

/* Make conn's unqualified now() the virtual clock. Returns false after
 * writing why into error. */
bool confirm_clock_session(PGconn *conn, char *error, size_t error_size);

/* Set conn's virtual time. Fails only with the statement that follows
 * (a dead connection, an aborted transaction), so it reports nothing. */
void confirm_clock_set(PGconn *conn, int64_t now_us);

#endif
