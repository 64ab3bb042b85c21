/* stmt — the statement catalogue as a table indexed by stmt_id_t. */
#include "stmt.h"

#include <assert.h>

static const stmt_t stmt_table[STMT_COUNT] = {
#define STMT_ROW(id, label, params, sql) {STMT_##id, label, params, sql},
    STMT_MAP(STMT_ROW)
#undef STMT_ROW
};

const stmt_t *stmt_get(stmt_id_t id)
{
    assert(id >= 0);
    assert(id < STMT_COUNT);
    return &stmt_table[id];
}

const char *stmt_label(stmt_id_t id)
{
    return stmt_get(id)->label;
}
