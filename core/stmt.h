/*
 * stmt — the barrier's statement catalogue.
 *
 * A statement descriptor carries an identifier, which the simulated server
 * interprets, and the SQL text with its parameter list, which libpq sends.
 * Parameter letters, in $1.. order: e exec_id, o org_id, i batch_index,
 * n count, t ttl_s, r result (as a JSON value), l leader id, s stuck
 * timeout in seconds, L lease in seconds, g generation, x transaction id,
 * p remaining after a decrement, R marker retention in seconds, k message
 * kind (0 header, 1 callback), M message id.
 *
 * Invariants:
 *  1. Every worker statement names its table schema-qualified, because
 *     PgBouncer's transaction pool drops the search_path startup option.
 *  2. Q-DEC wraps the result in jsonb_build_array so a list-shaped result is
 *     appended as one element.
 */
#ifndef BARRIERSIM_STMT_H
#define BARRIERSIM_STMT_H

#define STMT_SCHEMA "barriersim"

/* X(ID, label, params, SQL) */
#define STMT_MAP(X)                                                            \
    X(BEGIN, "BEGIN", "", "BEGIN")                                             \
    X(COMMIT, "COMMIT", "", "COMMIT")                                          \
    X(ARM_UPSERT, "Q-ARM.1", "eont",                                           \
      "INSERT INTO " STMT_SCHEMA ".pg_barrier_state (execution_id, "           \
      "organization_id, remaining, results, created_at, expires_at, "          \
      "last_progress_at) VALUES ($1, $2, $3, '[]'::jsonb, now(), now() + "     \
      "make_interval(secs => $4), now()) ON CONFLICT (execution_id) DO "       \
      "UPDATE SET organization_id = EXCLUDED.organization_id, remaining = "    \
      "EXCLUDED.remaining, results = '[]'::jsonb, created_at = now(), "        \
      "expires_at = EXCLUDED.expires_at, last_progress_at = now()")            \
    X(ARM_WIPE, "Q-ARM.2", "e",                                                \
      "DELETE FROM " STMT_SCHEMA ".pg_batch_dedup WHERE execution_id = $1")    \
    X(CLAIM, "Q-CLAIM", "ei",                                                  \
      "INSERT INTO " STMT_SCHEMA ".pg_batch_dedup (execution_id, batch_index, " \
      "created_at) VALUES ($1, $2, now()) ON CONFLICT (execution_id, "         \
      "batch_index) DO NOTHING RETURNING execution_id")                        \
    X(DEC, "Q-DEC", "re",                                                      \
      "UPDATE " STMT_SCHEMA ".pg_barrier_state SET remaining = remaining - 1, " \
      "results = results || jsonb_build_array($1::jsonb), last_progress_at = " \
      "now() WHERE execution_id = $2 RETURNING remaining, results")            \
    X(DEL, "Q-DEL", "e",                                                       \
      "DELETE FROM " STMT_SCHEMA ".pg_barrier_state WHERE execution_id = $1")  \
    X(CLEAR, "Q-CLEAR", "e",                                                   \
      "DELETE FROM " STMT_SCHEMA ".pg_batch_dedup WHERE execution_id = $1")    \
    X(ABORT, "Q-ABORT", "e",                                                   \
      "WITH claimed AS (DELETE FROM " STMT_SCHEMA ".pg_barrier_state WHERE "   \
      "execution_id = $1 RETURNING execution_id) SELECT execution_id FROM "    \
      "claimed")                                                               \
    X(OCLAIM, "Q-OCLAIM", "eo",                                                \
      "INSERT INTO " STMT_SCHEMA ".pg_orchestration_claim (execution_id, "     \
      "organization_id, claimed_at) VALUES ($1, $2, now()) ON CONFLICT "       \
      "(execution_id) DO NOTHING RETURNING execution_id")                      \
    X(ORELEASE, "Q-ORELEASE", "e",                                             \
      "DELETE FROM " STMT_SCHEMA ".pg_orchestration_claim WHERE execution_id " \
      "= $1")                                                                  \
    X(ARM_UPSERT_G, "Q-ARM.1/n", "eont",                                       \
      "INSERT INTO " STMT_SCHEMA ".pg_barrier_state (execution_id, "           \
      "organization_id, remaining, results, created_at, expires_at, "          \
      "last_progress_at, generation) VALUES ($1, $2, $3, '[]'::jsonb, now(), " \
      "now() + make_interval(secs => $4), now(), nextval('" STMT_SCHEMA       \
      ".pg_barrier_generation')) ON CONFLICT (execution_id) "                  \
      "DO UPDATE SET organization_id = EXCLUDED.organization_id, remaining = " \
      "EXCLUDED.remaining, results = '[]'::jsonb, created_at = now(), "        \
      "expires_at = EXCLUDED.expires_at, last_progress_at = now(), generation " \
      "= EXCLUDED.generation RETURNING generation")                            \
    X(CLAIM_G, "Q-CLAIM/n", "eig",                                             \
      "INSERT INTO " STMT_SCHEMA ".pg_batch_dedup_gen (execution_id, "         \
      "batch_index, generation, created_at) VALUES ($1, $2, $3, now()) ON "    \
      "CONFLICT (execution_id, batch_index, generation) DO NOTHING RETURNING " \
      "execution_id")                                                          \
    X(DEC_G, "Q-DEC/n", "reg",                                                 \
      "UPDATE " STMT_SCHEMA ".pg_barrier_state SET remaining = remaining - 1, " \
      "results = results || jsonb_build_array($1::jsonb), last_progress_at = " \
      "now() WHERE execution_id = $2 AND generation = $3 RETURNING remaining, " \
      "results")                                                               \
    X(ABORT_G, "Q-ABORT/n", "eg",                                              \
      "WITH claimed AS (DELETE FROM " STMT_SCHEMA ".pg_barrier_state WHERE "   \
      "execution_id = $1 AND generation = $2 RETURNING execution_id) SELECT "  \
      "execution_id FROM claimed")                                             \
    X(ABORT_FLAG, "Q-ABORT.1/j", "e",                                          \
      "UPDATE " STMT_SCHEMA ".pg_barrier_state SET aborted = true WHERE "      \
      "execution_id = $1 AND NOT aborted RETURNING execution_id")              \
    X(DEC_J, "Q-DEC/j", "re",                                                  \
      "UPDATE " STMT_SCHEMA ".pg_barrier_state SET remaining = remaining - 1, " \
      "results = results || jsonb_build_array($1::jsonb), last_progress_at = " \
      "now() WHERE execution_id = $2 RETURNING remaining, results, "           \
      "aborted::integer")                                                      \
    X(DEL_G, "Q-DEL/n", "eg",                                                  \
      "DELETE FROM " STMT_SCHEMA ".pg_barrier_state WHERE execution_id = $1 "  \
      "AND generation = $2")                                                   \
    X(SEND, "Q-SEND", "kigo",                                                  \
      "INSERT INTO " STMT_SCHEMA ".pg_queue_message (queue_name, message, "    \
      "org_id, priority, enqueued_at, vt, read_ct, state) VALUES ("            \
      "CASE $1::integer WHEN 0 THEN 'headers' ELSE 'callbacks' END, "          \
      "jsonb_build_object("                                                    \
      "'batch', $2::integer, 'generation', $3::bigint), $4, 5, now(), now(), " \
      "0, 'ready') RETURNING msg_id")                                          \
    X(ACK, "Q-ACK", "M",                                                       \
      "DELETE FROM " STMT_SCHEMA ".pg_queue_message WHERE msg_id = $1")        \
    X(K_MARK, "Q-K.MARK", "eig",                                               \
      "INSERT INTO " STMT_SCHEMA ".pg_dec_applied (execution_id, batch_index, " \
      "generation) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING "      \
      "batch_index, NULL::jsonb, pg_current_xact_id()::text::bigint")          \
    X(DEC_XID, "Q-DEC/k", "re",                                                \
      "UPDATE " STMT_SCHEMA ".pg_barrier_state SET remaining = remaining - 1, " \
      "results = results || jsonb_build_array($1::jsonb), last_progress_at = " \
      "now() WHERE execution_id = $2 RETURNING remaining, results, "           \
      "pg_current_xact_id()::text::bigint")                                    \
    X(K_STORE, "Q-K.STORE", "peig",                                            \
      "UPDATE " STMT_SCHEMA ".pg_dec_applied SET post_remaining = $1 WHERE "   \
      "execution_id = $2 AND batch_index = $3 AND generation = $4")            \
    X(K_READ, "Q-K.READ", "eig",                                               \
      "SELECT a.post_remaining, b.results FROM " STMT_SCHEMA                   \
      ".pg_dec_applied a LEFT JOIN " STMT_SCHEMA ".pg_barrier_state b USING "  \
      "(execution_id) WHERE a.execution_id = $1 AND a.batch_index = $2 AND "   \
      "a.generation = $3 AND a.post_remaining IS NOT NULL")                    \
    /* The CASE values are core_xact_t's (barrier.h). */                       \
    X(XACT_STATUS, "Q-XACT.STATUS", "x",                                       \
      "SELECT CASE pg_xact_status($1::text::xid8) WHEN 'committed' THEN 1 "    \
      "WHEN 'aborted' THEN 2 ELSE 3 END")                                      \
    X(RPR_SELECT, "Q-RPR.SELECT", "s",                                         \
      "SELECT remaining, execution_id, organization_id FROM " STMT_SCHEMA      \
      ".pg_barrier_state WHERE last_progress_at < now() - make_interval(secs " \
      "=> $1) OR expires_at < now() ORDER BY execution_id LIMIT 1")            \
    X(RPR_RECHECK, "Q-RPR.RECHECK", "es",                                      \
      "SELECT 1 FROM " STMT_SCHEMA ".pg_barrier_state WHERE execution_id = $1 " \
      "AND (last_progress_at < now() - make_interval(secs => $2) OR "          \
      "expires_at < now())")                                                   \
    X(RPR_DELETE, "Q-RPR.DELETE", "es",                                        \
      "DELETE FROM " STMT_SCHEMA ".pg_barrier_state WHERE execution_id = $1 "  \
      "AND (last_progress_at < now() - make_interval(secs => $2) OR "          \
      "expires_at < now())")                                                   \
    X(RPR_REARM, "Q-RPR.REARM", "",                                            \
      "UPDATE " STMT_SCHEMA ".pg_queue_message SET state = 'ready' WHERE "     \
      "state = 'claimed' AND vt <= now()")                                     \
    X(RPR_DEDUP_SWEEP, "Q-RPR.DEDUP", "R",                                     \
      "DELETE FROM " STMT_SCHEMA ".pg_batch_dedup WHERE created_at <= now() - " \
      "make_interval(secs => $1)")                                             \
    X(RPR_ORPHAN_SELECT, "Q-RPR.ORPHAN", "s",                                  \
      "SELECT 0, c.execution_id, c.organization_id FROM " STMT_SCHEMA          \
      ".pg_orchestration_claim c WHERE c.claimed_at < now() - make_interval("  \
      "secs => $1) AND NOT EXISTS (SELECT 1 FROM " STMT_SCHEMA                 \
      ".pg_barrier_state b WHERE b.execution_id = c.execution_id) ORDER BY "   \
      "c.execution_id LIMIT 1")                                                \
    X(RPR_ORPHAN_DELETE, "Q-RPR.ORPHAN_DELETE", "es",                          \
      "DELETE FROM " STMT_SCHEMA ".pg_orchestration_claim c WHERE "            \
      "c.execution_id = $1 AND c.claimed_at < now() - make_interval(secs => "  \
      "$2) AND NOT EXISTS (SELECT 1 FROM " STMT_SCHEMA ".pg_barrier_state b "  \
      "WHERE b.execution_id = c.execution_id)")                                \
    X(LOCK_RENEW, "Q-LOCK.RENEW", "l",                                         \
      "UPDATE " STMT_SCHEMA ".pg_orchestrator_lock SET acquired_at = now() "   \
      "WHERE id = 1 AND leader = $1 RETURNING id")                             \
    X(LOCK_ACQUIRE, "Q-LOCK.ACQUIRE", "lL",                                    \
      "UPDATE " STMT_SCHEMA ".pg_orchestrator_lock SET leader = $1, "          \
      "acquired_at = now() WHERE id = 1 AND (leader = '' OR acquired_at < "    \
      "now() - make_interval(secs => $2)) RETURNING id")

typedef enum {
#define STMT_ENUM(id, label, params, sql) STMT_##id,
    STMT_MAP(STMT_ENUM)
#undef STMT_ENUM
    STMT_COUNT
} stmt_id_t;

typedef struct {
    stmt_id_t id;
    const char *label;   /* the protocol's name, for traces */
    const char *params;  /* parameter letters in $1.. order */
    const char *sql;
} stmt_t;

const stmt_t *stmt_get(stmt_id_t id);
const char *stmt_label(stmt_id_t id);

#endif
