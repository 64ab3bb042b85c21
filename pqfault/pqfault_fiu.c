/* pqfault — arming libfiu points for one thread at a time. */
#include "pqfault.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <fiu-control.h>
#include <fiu.h>

#include "../core/conn_pq.h"
#include "pqfault_int.h"

/* Every point this module can arm. libfiu's points are process-wide, so
 * they are enabled once with one callback, and the callback lets a point
 * fail only on the thread that armed it. */
static const char *const pqfault_fiu_names[] = {
    CONN_PQ_FIU_F2_SEND, CONN_PQ_FIU_F3_REPLY, CONN_PQ_FIU_F4_SEND,
    CONN_PQ_FIU_F5_REPLY, PQFAULT_FIU_RECV,
};

static pthread_once_t pqfault_fiu_once = PTHREAD_ONCE_INIT;
static _Thread_local const char *pqfault_fiu_armed; /* NULL: nothing armed */
static _Thread_local bool pqfault_fiu_struck;

static void pqfault_fiu_enable_all(void);
static int pqfault_fiu_decide_cb(const char *name, int *failnum, void **failinfo,
                                 unsigned int *flags);

const char *pqfault_fiu_point(fault_kind_t kind, fault_point_t point)
{
    if (!fault_kind_fits(kind, point)) {
        return NULL;
    }
    switch (kind) {
    case FAULT_F2:
        return CONN_PQ_FIU_F2_SEND;
    case FAULT_F3:
        return CONN_PQ_FIU_F3_REPLY;
    case FAULT_F4:
        return CONN_PQ_FIU_F4_SEND;
    case FAULT_F5:
        return CONN_PQ_FIU_F5_REPLY;
    default:
        return NULL;
    }
}

pqfault_rc_t pqfault_fiu_arm(fault_kind_t kind, fault_point_t point)
{
    const char *name = pqfault_fiu_point(kind, point);

    if (name == NULL) {
        return PQFAULT_NO_FAIL_POINT;
    }
    pqfault__fiu_arm_name(name);
    return PQFAULT_OK;
}

pqfault_rc_t pqfault_fiu_arm_entry(const fault_entry_t *entry)
{
    assert(entry != NULL);
    return pqfault_fiu_arm(entry->kind, entry->point);
}

bool pqfault_fiu_disarm(void)
{
    bool struck = pqfault_fiu_struck;

    pqfault_fiu_armed = NULL;
    pqfault_fiu_struck = false;
    return struck;
}

void pqfault__fiu_arm_name(const char *name)
{
    int rc = pthread_once(&pqfault_fiu_once, pqfault_fiu_enable_all);

    assert(rc == 0);
    (void)rc;
    pqfault_fiu_armed = name;
    pqfault_fiu_struck = false;
}

/* libfiu fails fiu_enable_external() only when it cannot allocate. */
static void pqfault_fiu_enable_all(void)
{
    size_t i;
    int rc = fiu_init(0);

    assert(rc == 0);
    for (i = 0; i < sizeof(pqfault_fiu_names) / sizeof(pqfault_fiu_names[0]); i++) {
        bool recv_point = strcmp(pqfault_fiu_names[i], PQFAULT_FIU_RECV) == 0;
        void *failinfo = recv_point ? (void *)(intptr_t)ECONNRESET : NULL;

        rc = fiu_enable_external(pqfault_fiu_names[i], 1, failinfo, 0,
                                 pqfault_fiu_decide_cb);
        assert(rc == 0);
    }
    (void)rc;
}

/* Fail when name is the calling thread's armed point, then disarm it. */
static int pqfault_fiu_decide_cb(const char *name, int *failnum, void **failinfo,
                                 unsigned int *flags)
{
    (void)failnum;
    (void)failinfo;
    (void)flags;
    if (pqfault_fiu_armed == NULL || strcmp(name, pqfault_fiu_armed) != 0) {
        return 0;
    }
    pqfault_fiu_armed = NULL;
    pqfault_fiu_struck = true;
    return 1;
}
