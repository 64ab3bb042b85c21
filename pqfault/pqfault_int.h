/*
 * pqfault internals shared by the drivers (pqfault.c) and the fail-point
 * arming (pqfault_fiu.c). Not for callers outside pqfault/.
 */
#ifndef BARRIERSIM_PQFAULT_INT_H
#define BARRIERSIM_PQFAULT_INT_H

/* libfiu's POSIX wrapper point around recv(); it fails only in a program
 * that links /usr/lib/fiu/fiu_posix_preload.so. pqfault_fiu.c pins its
 * errno to ECONNRESET, because after any other errno libpq keeps the
 * connection CONNECTION_OK but out of step with the server. */
#define PQFAULT_FIU_RECV "posix/io/net/recv"

/* Arm the point name for the calling thread's next call through it. name
 * must be one of the points pqfault_fiu.c enables: a CONN_PQ_FIU_* name or
 * PQFAULT_FIU_RECV. */
void pqfault__fiu_arm_name(const char *name);

#endif
