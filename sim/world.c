/* world — run set-up, the scheduler loop and the events that wake actors. */
#include "world.h"
#include "transcript.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIM_STREAM_SCHED 0x7363686564ULL
#define SIM_STREAM_DRAW 0x64726177ULL
#define SIM_STREAM_LATENCY 0x6c6174ULL
#define SIM_STREAM_FAULT 0x666c74ULL
#define SIM_STREAM_RESTART 0x727374ULL
_Static_assert(SIM_ACTOR_MAX <= SIM_PCT_ACTORS, "PCT keeps a priority per actor");

/* More table entries than one scheduler step can use. */
#define SIM_STEP_MARGIN 16


static void sim_world_reset(sim_world_t *world, const scen_t *scen,
                            const core_policy_t *policy, uint64_t seed,
                            uint32_t bugs, FILE *trace_out);
static void sim_world_spawn(sim_world_t *world, int index, sim_actor_kind_t kind,
                            sim_fiber_entry_cb entry);
static void sim_world_name_actors(sim_world_t *world);
static bool sim_world_loop(sim_world_t *world);
static bool sim_world_near_capacity(const sim_world_t *world);
static int sim_world_next_actor(const sim_world_t *world);
static int sim_world_next_zombie(const sim_world_t *world);
static int sim_world_pick_actor(sim_world_t *world, int first, int64_t horizon_us);
static bool sim_world_due_before(const sim_world_t *world, int a, int b);
static void sim_world_point_kinds(sim_world_t *world);
static void sim_world_pin_choices(sim_world_t *world, const scen_t *scen);
static void sim_world_wake_waiters(sim_world_t *world, int txn);
static int sim_world_next_callback(const sim_world_t *world);
static void sim_world_fire_zombie(sim_world_t *world, int zombie);
static void sim_world_after_step(sim_world_t *world);
static void sim_world_collect(sim_world_t *world, bool reached,
                              sim_result_t *result);
/* World invariants: no actor runs between steps, time only moves forward,
 * and a lock waiter waits on a transaction that is still active. */
void sim_world_check(const sim_world_t *world)
{
    int i;

    assert(world->running == -1);
    assert(world->now_us >= 0);
    for (i = 0; i < world->actor_count; i++) {
        const sim_actor_t *actor = &world->actors[i];

        if (actor->state == SIM_ACTOR_BLOCKED_TXN) {
            assert(sim_server_txn(&world->server, actor->blocked_txn)->state ==
                   SIM_TXN_ACTIVE);
        }
        if (actor->state == SIM_ACTOR_READY) {
            assert(actor->ready_at_us >= 0);
        }
    }
}

static scen_outcome_t sim_world_outcome(const sim_world_t *world);
static void sim_world_check_generation(sim_world_t *world, const sim_txn_t *txn,
                                       const sim_effect_t *effect);

int sim_world_create(sim_world_t *world)
{
    int i;

    memset(world, 0, sizeof(*world));
    if (sim_trace_create(&world->trace) != 0) {
        return -1;
    }
    for (i = 0; i < SIM_ACTOR_MAX; i++) {
        if (sim_fiber_create(&world->actors[i].fiber, SIM_FIBER_STACK_SIZE) != 0) {
            sim_world_destroy(world);
            return -1;
        }
    }
    return 0;
}

void sim_world_destroy(sim_world_t *world)
{
    int i;

    for (i = 0; i < SIM_ACTOR_MAX; i++) {
        sim_fiber_destroy(&world->actors[i].fiber);
    }
    sim_trace_destroy(&world->trace);
    sim_tape_destroy(&world->pinned_tape);
    sim_tape_destroy(&world->strategy_tape);
}

int sim_world_use_pct(sim_world_t *world, int depth, uint32_t steps)
{
    if (world->strategy_tape.items == NULL &&
        sim_tape_create(&world->strategy_tape, SIM_TAPE_CAP) != 0) {
        return -1;
    }
    sim_pct_init(&world->pct, depth, steps);
    world->strategy_tape.pct = &world->pct;
    world->tape = &world->strategy_tape;
    return 0;
}

void sim_world_run(sim_world_t *world, const scen_t *scen,
                   const core_policy_t *policy, uint64_t seed, uint32_t bugs,
                   FILE *trace_out, sim_result_t *result_out)
{
    bool pinned = world->tape == NULL && scen->choice_count > 0;
    bool reached;
    int i;

    if (pinned) {
        sim_world_pin_choices(world, scen);
    }
    sim_world_reset(world, scen, policy, seed, bugs, trace_out);

    sim_world_spawn(world, SIM_ORCHESTRATOR, SIM_ACTOR_KIND_ORCHESTRATOR,
                    sim_orchestrator_main);
    for (i = 1; i <= scen->worker_count; i++) {
        sim_world_spawn(world, i, SIM_ACTOR_KIND_WORKER, sim_worker_main);
    }
    for (i = 0; i < scen->reaper_count; i++) {
        sim_world_spawn(world, scen->worker_count + 1 + i, SIM_ACTOR_KIND_REAPER,
                        sim_reaper_main);
    }

    reached = sim_world_loop(world);
    sim_world_collect(world, reached, result_out);
    if (pinned) {
        world->tape = NULL;
    }
}

/* Run a scenario that pins choices on the world's own tape, which follows
 * them. The tape is made on first use and kept for later runs. */
static void sim_world_pin_choices(sim_world_t *world, const scen_t *scen)
{
    int i;

    if (world->pinned_tape.items == NULL &&
        sim_tape_create(&world->pinned_tape, SIM_TAPE_CAP) != 0) {
        fprintf(stderr, "barriersim: out of memory for a choice tape\n");
        abort();
    }
    for (i = 0; i < scen->choice_count; i++) {
        sim_choice_t *choice = &world->pinned_follow[i];

        memset(choice, 0, sizeof(*choice));
        choice->cls = scen->choice_class[i];
        choice->value = scen->choice_value[i];
    }
    sim_tape_rewind(&world->pinned_tape, world->pinned_follow, scen->choice_count);
    world->tape = &world->pinned_tape;
}

void sim_world_draw(const scen_t *scen, uint64_t seed, sim_draw_t *draw_out)
{
    sim_prng_t prng;

    memset(draw_out, 0, sizeof(*draw_out));
    sim_prng_init(&prng, seed, SIM_STREAM_DRAW);

    draw_out->path = scen->path;
    if (sim_prng_chance(&prng, 1, 2) && scen->path == SCEN_PATH_MIXED) {
        draw_out->path = SCEN_PATH_IN_BODY;
    } else if (scen->path == SCEN_PATH_MIXED) {
        draw_out->path = SCEN_PATH_LINK;
    }

    /* No restarts, a quarter of the maximum, or the maximum. */
    switch (sim_prng_below(&prng, 3)) {
    case 0:
        draw_out->restart_rate = 0;
        break;
    case 1:
        draw_out->restart_rate = scen->restart_rate_max / 4;
        break;
    default:
        draw_out->restart_rate = scen->restart_rate_max;
        break;
    }

    if (scen->swarm) {
        fault_plan_draw(&draw_out->plan, &scen->swarm_range, seed);
    } else {
        draw_out->plan = scen->fixed_plan;
    }
}

void sim_draw_describe(const sim_draw_t *draw, char *buf, int buf_size)
{
    char plan[256];

    fault_plan_describe(&draw->plan, plan, (int)sizeof(plan));
    snprintf(buf, (size_t)buf_size, "path=%s restart_rate=%u/1024 faults: %s",
             scen_path_name(draw->path), draw->restart_rate, plan);
}

void sim_actor_init_conns(sim_actor_t *actor)
{
    sim_world_t *world = actor->world;

    core_ctx_t *ctxs[SIM_ROLE_COUNT] = {&actor->core, &actor->dispatch, &actor->consumer};
    int i;

    for (i = 0; i < SIM_ROLE_COUNT; i++) {
        actor->roles[i].actor = actor;
        actor->roles[i].role_index = i;
        core_ctx_init(ctxs[i], &sim_conn_ops, &actor->roles[i], world->policy,
                      &sim_env_ops, actor);
    }
}

fault_kind_t sim_world_draw_fault(const sim_world_t *world, sim_prng_t *prng,
                                  int actor, fault_point_t point)
{
    uint32_t mask;
    fault_kind_t kind;

    if (world->workers_done_us > 0) {
        return FAULT_NONE;
    }
    mask = world->point_kinds[point];
    if (world->tape == NULL || mask == 0) {
        return fault_draw(&world->draw.plan, prng, point);
    }

    /* A followed kind that cannot strike here counts as no fault. */
    if (world->tape->follow != NULL) {
        uint64_t value = sim_tape_next(world->tape, SIM_CHOICE_FAULT);

        kind = value < FAULT_KIND_COUNT && (mask & (1u << value)) != 0
                   ? (fault_kind_t)value
                   : FAULT_NONE;
    } else {
        kind = fault_draw(&world->draw.plan, prng, point);
        assert(kind == FAULT_NONE || (mask & (1u << kind)) != 0);
    }
    sim_tape_record(world->tape, SIM_CHOICE_FAULT, actor, (uint64_t)kind,
                    FAULT_KIND_COUNT, mask);
    return kind;
}

/* The kinds a swarm can draw at each point: the scenario's kinds that fit
 * it. F1 is timer-driven and never drawn; a fixed plan draws nothing. */
static void sim_world_point_kinds(sim_world_t *world)
{
    uint32_t kinds = world->draw.plan.swarm ? world->scen->swarm_range.kinds_mask : 0;
    int point;
    int kind;

    /* The table depends on the allowed kinds only: most runs reuse it. */
    if (world->point_kinds_ready && world->point_kinds_for == kinds) {
        return;
    }
    world->point_kinds_ready = true;
    world->point_kinds_for = kinds;
    for (point = 0; point < FAULT_POINT_COUNT; point++) {
        uint32_t mask = 0;

        for (kind = FAULT_F2; kind < FAULT_KIND_COUNT && world->draw.plan.swarm; kind++) {
            if ((world->scen->swarm_range.kinds_mask & (1u << kind)) != 0 &&
                fault_kind_fits((fault_kind_t)kind, (fault_point_t)point)) {
                mask |= 1u << kind;
            }
        }
        world->point_kinds[point] = mask;
    }
}

void sim_world_spawn_duplicate(sim_world_t *world, int64_t delay_us)
{
    int index = world->actor_count;

    assert(world->duplicate_orchestrator < 0);
    assert(index < SIM_ACTOR_MAX);
    world->actor_count++;
    world->duplicate_orchestrator = index;
    snprintf(world->actor_names[index], SIM_ACTOR_NAME_SIZE, "orch2");
    world->actor_name_ptrs[index] = world->actor_names[index];
    sim_world_spawn(world, index, SIM_ACTOR_KIND_ORCHESTRATOR, sim_orchestrator_main);
    world->actors[index].ready_at_us = world->now_us + delay_us;
}

void sim_actor_sleep(sim_actor_t *actor, int64_t duration_us)
{
    sim_world_t *world = actor->world;

    assert(duration_us >= 0);
    assert(world->running == actor->index);
    actor->state = SIM_ACTOR_READY;
    actor->ready_at_us = world->now_us + duration_us;
    sim_fiber_yield(&actor->fiber);
    assert(world->running == actor->index);
}

void sim_actor_block_on_txn(sim_actor_t *actor, int txn)
{
    sim_world_t *world = actor->world;

    assert(world->running == actor->index);
    assert(txn > 0);
    actor->state = SIM_ACTOR_BLOCKED_TXN;
    actor->blocked_txn = txn;
    sim_fiber_yield(&actor->fiber);
    assert(actor->state == SIM_ACTOR_READY);
}

int64_t sim_actor_latency(sim_actor_t *actor)
{
    const scen_t *scen = actor->world->scen;

    int64_t drift = (actor->world->bugs & SIM_BUG_DRIFT) != 0 &&
                    actor->world->run_count % 2 == 0;

    return drift + sim_choose_range(actor->world->tape, &actor->latency_prng,
                                    SIM_CHOICE_LATENCY, actor->index,
                                    scen->latency_min_us, scen->latency_max_us);
}

void sim_world_emit(sim_world_t *world, int actor, sim_event_kind_t kind,
                    int32_t a, int32_t b, int32_t c, int64_t d)
{
    const sim_event_t *event = sim_trace_emit(&world->trace, world->step, world->now_us,
                                              actor, kind, a, b, c, d);

    if (world->transcript != NULL) {
        sim_transcript_line(world->transcript, world, event);
    }
    if (world->coverage != NULL) {
        sim_coverage_on_event(world->coverage, world, event);
    }
    sim_cost_on_event(&world->cost, event);
}

void sim_world_set_status(sim_world_t *world, sim_status_t status, bool by_reaper)
{
    if (status == SIM_STATUS_EXECUTING) {
        world->terminal_us = -1;
        world->terminal_by_reaper = false;
    } else if (status != world->status) {
        world->terminal_us = world->now_us;
        world->terminal_by_reaper = by_reaper;
    }
    world->status = status;
}

void sim_world_txn_end(sim_world_t *world, int txn, bool commit, int reason)
{
    const sim_txn_t *t;
    int i;

    if (commit) {
        sim_server_commit(&world->server, txn);
    } else {
        sim_server_abort(&world->server, txn);
    }
    t = sim_server_txn(&world->server, txn);
    sim_world_emit(world, world->running < 0 ? 0 : world->running,
                   commit ? SIM_EV_TXN_COMMIT : SIM_EV_TXN_ABORT, txn, t->conn_id,
                   reason, 0);

    if (commit) {
        const sim_row_value_t *row = &world->server.row.committed;

        for (i = 0; i < t->effect_count; i++) {
            sim_oracle_on_commit(&world->oracle, world->step, t->effects[i].stmt,
                                 t->effects[i].batch_index, t->effects[i].value,
                                 world->status != SIM_STATUS_EXECUTING);
            if (t->effects[i].stmt == STMT_RPR_REARM) {
                sim_queue_rearm(world);
            }
            if (t->effects[i].stmt == STMT_SEND || t->effects[i].stmt == STMT_ACK) {
                sim_queue_on_commit(world, t->effects[i].stmt, t->effects[i].value);
            }
            if (t->effects[i].stmt == STMT_DEC) {
                sim_world_check_generation(world, t, &t->effects[i]);
                if (t->conn_id >= 0 && t->conn_id < world->conn_count) {
                    world->actors[world->conns[t->conn_id].actor_index]
                        .task_dec_committed = true;
                }
                world->decrement_count++;
                if (t->effects[i].value < world->min_remaining) {
                    world->min_remaining = t->effects[i].value;
                }
            }
        }
        sim_oracle_check_row(&world->oracle, world->step, row->exists,
                             row->remaining, row->element_count);
    }

    sim_world_wake_waiters(world, txn);
}

/* Wake the waiters of txn to re-run their statement against the newest
 * version, in the order they started to wait. PostgreSQL gives the tuple
 * lock to the first waiter, so it takes the row first.
 * NOTE: the waiters after it re-check the row after each update and race
 * (EvalPlanQual), so PostgreSQL may serve them in another order; arrival
 * order is one it can produce (confirm reports the others as lock-race). */
static void sim_world_wake_waiters(sim_world_t *world, int txn)
{
    int i;
    int j;

    for (i = 0; i < world->actor_count; i++) {
        sim_actor_t *actor = &world->actors[i];
        int rank = 0;

        if (actor->state != SIM_ACTOR_BLOCKED_TXN || actor->blocked_txn != txn) {
            continue;
        }
        for (j = 0; j < world->actor_count; j++) {
            const sim_actor_t *other = &world->actors[j];

            rank += other->state == SIM_ACTOR_BLOCKED_TXN && other->blocked_txn == txn &&
                    other->wait_seq < actor->wait_seq;
        }
        actor->state = SIM_ACTOR_READY;
        actor->blocked_txn = 0;
        actor->ready_at_us = world->now_us + 1 + rank;
    }
}

void sim_world_schedule_zombie(sim_world_t *world, int txn, int conn_id)
{
    sim_zombie_t *zombie;

    assert(world->zombie_count < SIM_CONN_MAX);
    zombie = &world->zombies[world->zombie_count++];
    zombie->txn = txn;
    zombie->at_us = world->now_us + world->draw.plan.detect_delay_us;
    sim_world_emit(world, world->running, SIM_EV_ZOMBIE, txn, conn_id, 0,
                   zombie->at_us);
}

static void sim_world_reset(sim_world_t *world, const scen_t *scen,
                            const core_policy_t *policy, uint64_t seed,
                            uint32_t bugs, FILE *trace_out)
{
    assert(scen->worker_count >= 1);
    assert(scen->worker_count <= SCEN_WORKER_MAX);
    assert(scen->reaper_count >= 0);
    assert(scen->reaper_count <= SIM_REAPER_MAX);

    world->scen = scen;
    world->policy = policy;
    world->seed = seed;
    world->bugs = bugs;
    world->run_count++;
    sim_world_draw(scen, seed, &world->draw);
    fault_plan_prepare(&world->draw.plan);

    world->now_us = 0;
    world->step = 0;
    world->running = -1;
    sim_server_init(&world->server, scen->batch_count);
    world->server.bugs = bugs;
    world->conn_count = 0;
    world->zombie_count = 0;
    world->callback_count = 0;
    world->actor_count = scen->worker_count + 1 + scen->reaper_count;
    world->workers_done_us = 0;
    world->duplicate_orchestrator = -1;
    world->msg_count = 0;
    world->delivery_count = 0;
    memset(world->assigned_next, 0, sizeof(world->assigned_next));
    world->status = SIM_STATUS_EXECUTING;
    world->terminal_us = -1;
    world->terminal_by_reaper = false;
    sim_cost_reset(&world->cost);
    world->fire_count = 0;
    world->decrement_count = 0;
    world->min_remaining = INT64_MAX;
    world->last_actor = 0;
    world->strike_count = 0;
    world->wait_seq_next = 0;
    memset(world->strikes_at, 0, sizeof(world->strikes_at));
    if (world->coverage != NULL) {
        world->coverage->runs++;
    }
    sim_prng_init(&world->sched_prng, seed, SIM_STREAM_SCHED);
    sim_world_point_kinds(world);
    if (world->tape != NULL) {
        sim_tape_rewind(world->tape, world->tape->follow, world->tape->follow_count);
        if (world->tape->pct != NULL) {
            sim_pct_reset(world->tape->pct, seed);
        }
    }

    sim_oracle_reset(&world->oracle, scen->batch_count);
    sim_world_name_actors(world);
    sim_trace_reset(&world->trace, seed, trace_out, world->actor_name_ptrs);
}

static void sim_world_spawn(sim_world_t *world, int index, sim_actor_kind_t kind,
                            sim_fiber_entry_cb entry)
{
    sim_actor_t *actor = &world->actors[index];
    uint64_t key = (uint64_t)index << 32;

    actor->index = index;
    actor->kind = kind;
    actor->entry = entry;
    actor->world = world;
    actor->state = SIM_ACTOR_READY;
    actor->ready_at_us = 0;
    actor->blocked_txn = 0;
    actor->task_msg = -1;
    actor->acking_msg = -1;
    actor->task_run = 0;
    actor->task_dec_committed = false;
    actor->work_started = false;
    memset(&actor->call, 0, sizeof(actor->call));
    actor->call.stmt = STMT_BEGIN;
    memset(actor->occurrences, 0, sizeof(actor->occurrences));
    memset(actor->point_occurrences, 0, sizeof(actor->point_occurrences));
    actor->crash_pending = false;
    memset(actor->role_connected, 0, sizeof(actor->role_connected));
    sim_prng_init(&actor->latency_prng, world->seed, SIM_STREAM_LATENCY ^ key);
    sim_prng_init(&actor->fault_prng, world->seed, SIM_STREAM_FAULT ^ key);
    sim_prng_init(&actor->restart_prng, world->seed, SIM_STREAM_RESTART ^ key);
    sim_actor_init_conns(actor);
    sim_fiber_start(&actor->fiber, entry, actor);
}

/* Returns true at quiescence, false at the step limit or when every live
 * actor waits for something that can no longer happen. */
static bool sim_world_loop(sim_world_t *world)
{
    for (;;) {
        int actor_index = sim_world_next_actor(world);
        int zombie = sim_world_next_zombie(world);
        int callback = sim_world_next_callback(world);
        int64_t actor_us;
        int64_t zombie_us;
        int64_t callback_us;
        sim_actor_t *actor;

        if (actor_index < 0 && zombie < 0 && callback < 0) {
            int i;

            for (i = 0; i < world->actor_count; i++) {
                if (world->actors[i].state != SIM_ACTOR_DONE) {
                    return false;
                }
            }
            return true;
        }

        world->step++;
        if (world->step > world->scen->step_max || sim_world_near_capacity(world)) {
            return false;
        }

        /* Server and queue events go before an actor due at the same time. */
        actor_us = actor_index < 0 ? INT64_MAX : world->actors[actor_index].ready_at_us;
        zombie_us = zombie < 0 ? INT64_MAX : world->zombies[zombie].at_us;
        callback_us = callback < 0 ? INT64_MAX : world->callbacks[callback].at_us;
        if (zombie >= 0 && zombie_us <= callback_us && zombie_us <= actor_us) {
            sim_world_fire_zombie(world, zombie);
            sim_world_after_step(world);
            continue;
        }
        if (callback >= 0 && callback_us <= actor_us) {
            sim_callback_run(world, callback);
            sim_world_after_step(world);
            continue;
        }

        if (world->tape != NULL) {
            actor_index = sim_world_pick_actor(world, actor_index,
                                               zombie_us < callback_us ? zombie_us
                                                                       : callback_us);
        }
        actor = &world->actors[actor_index];
        if (actor->ready_at_us > world->now_us) {
            world->now_us = actor->ready_at_us;
        }
        if (sim_actor_step_faults(actor)) {
            sim_world_after_step(world);
            continue;
        }
        world->running = actor_index;
        world->last_actor = actor_index;
        sim_fiber_resume(&actor->fiber);
        world->running = -1;
        if (sim_fiber_finished(&actor->fiber)) {
            actor->state = SIM_ACTOR_DONE;
        }
        sim_world_after_step(world);
    }
}

/* True when the next step could overflow a table. Transactions,
 * connections, zombies and messages are never recycled within a run, so a
 * run that fills one stops as if it hit step_max (L3). */
static bool sim_world_near_capacity(const sim_world_t *world)
{
    return world->server.txn_count > SIM_TXN_MAX - SIM_STEP_MARGIN ||
           world->conn_count > SIM_CONN_MAX - SIM_STEP_MARGIN ||
           world->zombie_count > SIM_CONN_MAX - SIM_STEP_MARGIN ||
           world->msg_count > SIM_MSG_MAX - SIM_STEP_MARGIN;
}

/* The runnable actor with the earliest wake-up time; ties go to the lowest
 * index, so the order is defined. A queue waiter with no deadline is not
 * runnable until the queue changes. */
static int sim_world_next_actor(const sim_world_t *world)
{
    int best = -1;
    int i;

    for (i = 0; i < world->actor_count; i++) {
        const sim_actor_t *actor = &world->actors[i];
        bool runnable = actor->state == SIM_ACTOR_READY ||
                        (actor->state == SIM_ACTOR_BLOCKED_QUEUE &&
                         actor->ready_at_us != INT64_MAX);

        if (runnable && (best < 0 || actor->ready_at_us <
                                         world->actors[best].ready_at_us)) {
            best = i;
        }
    }
    return best;
}

/* Pick the actor to run. With a tape, the runnable actors due within the
 * pick window of the first (and before the next server or queue event) are
 * candidates, in order of due time then index, and a choice picks one.
 * Running a later one first is the same as the earlier ones' replies taking
 * that much longer. */
static int sim_world_pick_actor(sim_world_t *world, int first, int64_t horizon_us)
{
    int64_t window_us = world->tape->pick_window_us > 0 ? world->tape->pick_window_us
                                                        : world->scen->latency_max_us;
    int64_t limit_us = world->actors[first].ready_at_us + window_us;
    int candidates[SIM_ACTOR_MAX];
    int count = 0;
    uint64_t pick;
    int i;

    if (horizon_us <= limit_us) {
        limit_us = horizon_us - 1;
    }
    for (i = 0; i < world->actor_count; i++) {
        const sim_actor_t *actor = &world->actors[i];
        bool runnable = actor->state == SIM_ACTOR_READY ||
                        (actor->state == SIM_ACTOR_BLOCKED_QUEUE &&
                         actor->ready_at_us != INT64_MAX);
        int j;

        if (!runnable || (i != first && actor->ready_at_us > limit_us)) {
            continue;
        }
        for (j = count; j > 0 && sim_world_due_before(world, i, candidates[j - 1]); j--) {
            candidates[j] = candidates[j - 1];
        }
        candidates[j] = i;
        count++;
    }
    assert(candidates[0] == first);

    if (world->tape->pct != NULL) {
        pick = (uint64_t)sim_pct_pick(world->tape->pct, world->step, candidates, count);
    } else if (world->tape->follow != NULL && count > 1) {
        pick = sim_tape_next(world->tape, SIM_CHOICE_PICK);
        pick = pick < (uint64_t)count ? pick : (uint64_t)count - 1;
    } else {
        pick = 0;
    }
    if (count > 1) {
        sim_tape_record(world->tape, SIM_CHOICE_PICK, candidates[pick], pick,
                        (uint64_t)count, 0);
    }
    return candidates[pick];
}

static bool sim_world_due_before(const sim_world_t *world, int a, int b)
{
    const sim_actor_t *x = &world->actors[a];
    const sim_actor_t *y = &world->actors[b];

    return x->ready_at_us < y->ready_at_us ||
           (x->ready_at_us == y->ready_at_us && a < b);
}

static int sim_world_next_callback(const sim_world_t *world)
{
    int best = -1;
    int i;

    for (i = 0; i < world->callback_count; i++) {
        if (world->callbacks[i].pending &&
            (best < 0 || world->callbacks[i].at_us < world->callbacks[best].at_us)) {
            best = i;
        }
    }
    return best;
}

static int sim_world_next_zombie(const sim_world_t *world)
{
    int best = -1;
    int i;

    for (i = 0; i < world->zombie_count; i++) {
        if (world->zombies[i].txn != 0 &&
            (best < 0 || world->zombies[i].at_us < world->zombies[best].at_us)) {
            best = i;
        }
    }
    return best;
}

/* The backend noticed its client is gone: roll back and release the locks. */
static void sim_world_fire_zombie(sim_world_t *world, int zombie)
{
    sim_zombie_t *z = &world->zombies[zombie];
    int txn = z->txn;

    if (z->at_us > world->now_us) {
        world->now_us = z->at_us;
    }
    z->txn = 0;
    if (sim_server_txn(&world->server, txn)->state == SIM_TXN_ACTIVE) {
        sim_world_txn_end(world, txn, false, 2);
    }
    if (world->mirror_ops != NULL) {
        world->mirror_ops->terminate(world->mirror, sim_server_txn(&world->server, txn)->conn_id);
    }
}

static void sim_world_after_step(sim_world_t *world)
{
    /* A waiter's transaction can end, and an actor can start waiting, only
     * in a step that changed the server: other steps keep the world's
     * invariants too. */
    if (world->server.changed) {
        sim_world_check(world);
    }
    sim_server_check(&world->server);

    while (world->oracle.fresh_mask != 0) {
        int prop = __builtin_ctz(world->oracle.fresh_mask);

        world->oracle.fresh_mask &= world->oracle.fresh_mask - 1;
        world->strikes_at[prop] = world->strike_count;
        sim_world_emit(world, world->last_actor, SIM_EV_VIOLATION, prop, 0, 0, 0);
    }
}

static void sim_world_collect(sim_world_t *world, bool reached,
                              sim_result_t *result)
{
    const sim_row_value_t *row = &world->server.row.committed;

    memset(result, 0, sizeof(*result));
    result->outcome = sim_world_outcome(world);
    sim_oracle_finish(&world->oracle, world->step, reached, result->outcome,
                      world->scen->reaper_count > 0);
    if (world->scen->reaper_count > 0 && sim_world_markers_left(world)) {
        sim_oracle_on_markers_left(&world->oracle, world->step);
    }
    sim_world_after_step(world);
    sim_world_emit(world, 0, SIM_EV_END, (int32_t)result->outcome,
                   world->fire_count, reached, world->step);

    result->seed = world->seed;
    result->violated_mask = world->oracle.violated_mask;
    memcpy(result->first_step, world->oracle.first_step, sizeof(result->first_step));
    result->fire_count = world->fire_count;
    result->end_remaining = row->exists ? row->remaining : INT64_MIN;
    result->steps = world->step;
    result->end_us = world->now_us;
    result->decrement_count = world->decrement_count;
    result->min_remaining = world->min_remaining;
    result->strike_count = world->strike_count;
    memcpy(result->strikes_at, world->strikes_at, sizeof(result->strikes_at));
    result->terminal_us = world->terminal_us;
    result->reaper_marked =
        world->terminal_by_reaper && result->outcome == SCEN_OUTCOME_ERROR;
    result->cost = world->cost.counts;
    result->trace_hash = sim_trace_finish(&world->trace);
}

static scen_outcome_t sim_world_outcome(const sim_world_t *world)
{
    switch (world->status) {
    case SIM_STATUS_COMPLETED:
        return SCEN_OUTCOME_COMPLETE;
    case SIM_STATUS_ERROR:
        return SCEN_OUTCOME_ERROR;
    case SIM_STATUS_EXECUTING:
        break;
    }
    return world->server.row.committed.exists ? SCEN_OUTCOME_STRANDED
                                              : SCEN_OUTCOME_LOST;
}

/* Trace names: orch, w0.., r1.. */
static void sim_world_name_actors(sim_world_t *world)
{
    int workers = world->scen->worker_count;
    int i;

    for (i = 0; i < world->actor_count; i++) {
        if (i == SIM_ORCHESTRATOR) {
            snprintf(world->actor_names[i], SIM_ACTOR_NAME_SIZE, "orch");
        } else if (i <= workers) {
            snprintf(world->actor_names[i], SIM_ACTOR_NAME_SIZE, "w%d", i - 1);
        } else {
            snprintf(world->actor_names[i], SIM_ACTOR_NAME_SIZE, "r%d", i - workers);
        }
        world->actor_name_ptrs[i] = world->actor_names[i];
    }
}

/* S14: a decrement must change the arming its header was sent for. The
 * header's arming is the sim's truth, whatever the core knew of it. */
static void sim_world_check_generation(sim_world_t *world, const sim_txn_t *txn,
                                       const sim_effect_t *effect)
{
    const sim_actor_t *actor;
    const sim_msg_t *msg;

    if (txn->conn_id < 0 || txn->conn_id >= world->conn_count) {
        return;
    }
    actor = &world->actors[world->conns[txn->conn_id].actor_index];
    if (actor->task_msg < 0) {
        return;
    }
    msg = &world->msgs[actor->task_msg];
    if (msg->generation != 0 && msg->generation != effect->generation) {
        sim_oracle_violate(&world->oracle, world->step, SIM_PROP_S14);
    }
}

bool sim_world_markers_left(const sim_world_t *world)
{
    int i;

    for (i = 0; i < world->server.marker_count && i < SIM_APPLIED_BASE; i++) {
        if (world->server.markers[i].committed_exists) {
            return true;
        }
    }
    return false;
}
