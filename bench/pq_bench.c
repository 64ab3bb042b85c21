/*
 * pq_bench — the libpq backend on a real server, against pgbench running
 * the same decrement on the same server in the same run, and confirmation
 * runs per minute.
 *
 * The server comes from BARRIERSIM_PG_CONNINFO (bench/run_bench.sh starts a
 * throwaway one). Each repetition arms fresh barriers for N batches and runs
 * N decrements on each through core_decrement (BEGIN, Q-DEC, COMMIT on the
 * libpq ops table, one connection), then arms as many again and lets
 * pgbench run the same N transactions of the same Q-DEC text on each, one
 * client, extended protocol. The results column grows the same way on both
 * sides. Medians of the repetitions are printed, and their ratio.
 */
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../confirm/confirm.h"
#include "../core/conn_pq.h"
#include "bench_clock.h"

#define BENCH_CONNINFO_ENV "BARRIERSIM_PG_CONNINFO"
#define BENCH_DECREMENTS 200      /* a barrier returns at most CONN_ELEMENTS_MAX results */
#define BENCH_BARRIERS 5          /* barriers per repetition and side */
#define BENCH_REPEATS 5
#define BENCH_CONFIRM_SEEDS 20

extern char **environ;

static void bench_sleep(void *env, int64_t duration_us)
{
    struct timespec pause = {duration_us / 1000000, (duration_us % 1000000) * 1000};

    (void)env;
    nanosleep(&pause, NULL);
}

static void bench_log(void *env, const core_log_t *event)
{
    (void)env;
    (void)event;
}

static core_rc_t bench_fire(void *env, const char *exec_id, const conn_element_t *results,
                            int result_count, int64_t *callback_id_out)
{
    (void)env;
    (void)exec_id;
    (void)results;
    (void)result_count;
    *callback_id_out = 1;
    return CORE_OK;
}

static core_rc_t bench_mark_error(void *env, const char *exec_id, const char *org_id,
                                  bool *confirmed_out)
{
    (void)env;
    (void)exec_id;
    (void)org_id;
    *confirmed_out = true;
    return CORE_OK;
}

static const core_env_ops_t bench_env_ops = {
    .sleep_us = bench_sleep,
    .log = bench_log,
    .fire = bench_fire,
    .mark_error = bench_mark_error,
};

/* N decrements through the core on the libpq backend; returns per second. */
static double bench_core(core_ctx_t *ctx, const char *exec_id)
{
    double start;
    int i;

    if (core_arm(ctx, exec_id, "org-bench", BENCH_DECREMENTS) != CORE_OK) {
        fprintf(stderr, "pq_bench: could not arm %s\n", exec_id);
        exit(1);
    }
    start = bench_now();
    for (i = 0; i < BENCH_DECREMENTS; i++) {
        core_batch_t batch = {exec_id, "org-bench", i, i, 0};
        conn_element_t result = {i, i, 0};
        core_dec_t dec;

        if (core_decrement(ctx, &batch, &result, &dec) != CORE_OK) {
            fprintf(stderr, "pq_bench: decrement %d of %s failed\n", i, exec_id);
            exit(1);
        }
    }
    return BENCH_DECREMENTS / (bench_now() - start);
}

/* The same Q-DEC text run by pgbench; returns its tps without the initial
 * connection time. */
static double bench_pgbench(core_ctx_t *ctx, const char *conninfo, const char *exec_id)
{
    char script_path[] = "/tmp/barriersim-pgbench-XXXXXX";
    char exec_var[96];
    char count[16];
    char *argv[16];
    char line[512];
    double tps = 0;
    FILE *script;
    FILE *out;
    int fd;
    int pipefd[2];
    pid_t pid;
    posix_spawn_file_actions_t actions;

    if (core_arm(ctx, exec_id, "org-bench", BENCH_DECREMENTS) != CORE_OK) {
        fprintf(stderr, "pq_bench: could not arm %s\n", exec_id);
        exit(1);
    }
    fd = mkstemp(script_path);
    script = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (script == NULL || pipe(pipefd) != 0) {
        fprintf(stderr, "pq_bench: could not write the pgbench script\n");
        exit(1);
    }
    fprintf(script, "BEGIN;\n"
                    "UPDATE barriersim.pg_barrier_state SET remaining = remaining - 1, "
                    "results = results || jsonb_build_array(:res::jsonb), "
                    "last_progress_at = now() WHERE execution_id = :exec "
                    "RETURNING remaining, results;\n"
                    "COMMIT;\n");
    fclose(script);

    snprintf(exec_var, sizeof(exec_var), "exec=%s", exec_id);
    snprintf(count, sizeof(count), "%d", BENCH_DECREMENTS);
    argv[0] = "pgbench";
    argv[1] = "-n";
    argv[2] = "-M";
    argv[3] = "extended";
    argv[4] = "-c";
    argv[5] = "1";
    argv[6] = "-t";
    argv[7] = count;
    argv[8] = "-D";
    argv[9] = exec_var;
    argv[10] = "-D";
    argv[11] = "res={\"batch\": 1, \"value\": 1}";
    argv[12] = "-f";
    argv[13] = script_path;
    argv[14] = (char *)conninfo;
    argv[15] = NULL;

    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipefd[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipefd[0]);
    if (posix_spawnp(&pid, "pgbench", &actions, NULL, argv, environ) != 0) {
        fprintf(stderr, "pq_bench: could not start pgbench (package postgresql-client)\n");
        exit(1);
    }
    posix_spawn_file_actions_destroy(&actions);
    close(pipefd[1]);
    out = fdopen(pipefd[0], "r");
    while (out != NULL && fgets(line, sizeof(line), out) != NULL) {
        if (strstr(line, "without initial connection time") != NULL) {
            sscanf(line, "tps = %lf", &tps);
        }
    }
    if (out != NULL) {
        fclose(out);
    }
    waitpid(pid, NULL, 0);
    unlink(script_path);
    if (tps <= 0) {
        fprintf(stderr, "pq_bench: pgbench printed no tps\n");
        exit(1);
    }
    return tps;
}

/* Confirmation runs of the default scenario per minute. */
static double bench_confirm(const char *conninfo)
{
    sim_world_t *world = malloc(sizeof(*world));
    confirm_mirror_t *mirror = malloc(sizeof(*mirror));
    confirm_report_t *report = malloc(sizeof(*report));
    char error[256];
    scen_t scen;
    double start;
    uint64_t seed;

    if (world == NULL || mirror == NULL || report == NULL || sim_world_create(world) != 0 ||
        confirm_mirror_open(mirror, conninfo, world, error, sizeof(error)) != 0) {
        fprintf(stderr, "pq_bench: could not set up confirmation\n");
        exit(1);
    }
    scen_default(&scen, 8, 4);
    start = bench_now();
    for (seed = 1; seed <= BENCH_CONFIRM_SEEDS; seed++) {
        if (confirm_run(world, mirror, &scen, core_policy_find("phase-split"), seed, 0, NULL,
                        report) != CONFIRM_AGREE) {
            fprintf(stderr, "pq_bench: seed %" PRIu64 " did not agree\n", seed);
            exit(1);
        }
    }
    start = bench_now() - start;
    confirm_mirror_close(mirror);
    sim_world_destroy(world);
    free(world);
    free(mirror);
    free(report);
    return BENCH_CONFIRM_SEEDS * 60.0 / start;
}

int main(void)
{
    const char *conninfo = getenv(BENCH_CONNINFO_ENV);
    conn_pq_backend_t backend;
    double core_rates[BENCH_REPEATS];
    double pgbench_rates[BENCH_REPEATS];
    core_ctx_t ctx;
    int r;

    if (conninfo == NULL) {
        fprintf(stderr, "pq_bench: %s is not set; run it through make bench\n",
                BENCH_CONNINFO_ENV);
        return 2;
    }
    backend.conninfo = conninfo;
    core_ctx_init(&ctx, &conn_pq_ops, &backend, core_policy_find("phase-split"),
                  &bench_env_ops, NULL);
    for (r = 0; r < BENCH_REPEATS; r++) {
        double core_seconds = 0;
        double pgbench_seconds = 0;
        int b;

        /* Per side: all decrements over the time they took together. */
        for (b = 0; b < BENCH_BARRIERS; b++) {
            char exec_id[48];

            snprintf(exec_id, sizeof(exec_id), "bench-core-%d-%d", r, b);
            core_seconds += BENCH_DECREMENTS / bench_core(&ctx, exec_id);
            snprintf(exec_id, sizeof(exec_id), "bench-pgbench-%d-%d", r, b);
            pgbench_seconds += BENCH_DECREMENTS / bench_pgbench(&ctx, conninfo, exec_id);
        }
        core_rates[r] = BENCH_DECREMENTS * BENCH_BARRIERS / core_seconds;
        pgbench_rates[r] = BENCH_DECREMENTS * BENCH_BARRIERS / pgbench_seconds;
    }
    qsort(core_rates, BENCH_REPEATS, sizeof(double), bench_compare);
    qsort(pgbench_rates, BENCH_REPEATS, sizeof(double), bench_compare);

    printf("pq decrement core_per_s=%.0f pgbench_tps=%.0f ratio=%.2f decrements=%d "
           "repeats=%d\n",
           core_rates[BENCH_REPEATS / 2], pgbench_rates[BENCH_REPEATS / 2],
           core_rates[BENCH_REPEATS / 2] / pgbench_rates[BENCH_REPEATS / 2],
           BENCH_DECREMENTS * BENCH_BARRIERS, BENCH_REPEATS);
    printf("confirm runs_per_minute=%.0f seeds=%d\n", bench_confirm(conninfo),
           BENCH_CONFIRM_SEEDS);
    return 0;
}
