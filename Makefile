# barriersim — build, test, benchmark.
#
#   make            build bin/barriersim
#   make test       build and run every test; prints "N passed, N failed"
#   make bench      run the simulator benchmark and update docs/BENCHMARKS.md
#   make compilers  build everything warning-free with gcc and with clang
#   make lint       reject wall-clock time and libc randomness in run code
#   make coverage   run every test on a gcov build (build/coverage), write the
#                   HTML report to reports/coverage/; fails when core/ is below
#                   100% of lines or 95% of branches
#   make determinism  gcc and clang at -O0 and -O2 must give the same trace
#                   hashes on 10,000 seeds under four policies
#   make fuzz       run each fuzz target (fuzz/) for FUZZ_SECONDS (default 60)
#   make fuzz-merge minimise fuzz/corpus/ with the inputs the runs found
#   make sanitize   run every test on an AddressSanitizer and UndefinedBehavior-
#                   Sanitizer build (build/sanitize), then replay and run under
#                   valgrind memcheck; fails on the first report

CC ?= cc
BUILD ?= build/$(notdir $(CC))
PKGS := libpq cmocka libfiu jansson libxxhash yaml-0.1

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS := $(shell pkg-config --libs $(PKGS))

# fiu.h turns into no-op macros without FIU_ENABLE, and fiu_enable() then
# crashes inside libfiu; every file that may include it gets the flag.
CFLAGS ?= -O2 -g
CFLAGS += -std=c17 -Wall -Wextra -Werror -D_GNU_SOURCE -DFIU_ENABLE=1 -pthread $(PKG_CFLAGS)
DEPFLAGS = -MMD -MP
LDLIBS += $(PKG_LIBS) -pthread

ARCH := $(shell uname -m)
ASM_SRC := $(wildcard sim/fiber_switch_$(ARCH).S)
LIB_SRC := $(wildcard core/*.c sim/*.c faults/*.c scenarios/*.c reports/*.c confirm/*.c server/*.c)
# pqfault/ sleeps and reads the clock while it drives real faults, so it
# stays out of the determinism lint's folders.
LIB_SRC += $(wildcard pqfault/*.c)
CLI_SRC := $(wildcard cli/*.c)
FUZZ_SRC := $(filter-out fuzz/libfuzzer_main.c,$(wildcard fuzz/*.c))
FUZZ_TARGETS := $(patsubst fuzz/fuzz_%.c,%,$(FUZZ_SRC))
TEST_SRC := $(wildcard tests/test_*.c)
BENCH_SRC := $(wildcard bench/*.c)

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o) $(ASM_SRC:%.S=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
# The command line without main(), for the programs that call its parsers.
CLI_LIB_OBJ := $(filter-out $(BUILD)/cli/main.o,$(CLI_OBJ))
FUZZ_OBJ := $(FUZZ_SRC:%.c=$(BUILD)/%.o)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all test bench compilers lint coverage sanitize fuzz fuzz-merge determinism clean

all: bin/barriersim

bin/barriersim: $(BUILD)/barriersim
	@mkdir -p bin
	cp $< $@

$(BUILD)/barriersim: $(CLI_OBJ) $(LIB_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEPFLAGS) -c -o $@ $<

# server/pg_server.c embeds scripts/schema.sql, the only copy of the schema,
# as a C string literal, so the installed binary needs no repository.
$(BUILD)/gen/schema_sql.h: scripts/schema.sql
	@mkdir -p $(dir $@)
	awk 'BEGIN { print "/* Generated from scripts/schema.sql by the Makefile. */"; print "static const char server_schema_sql[] =" } { gsub(/[\\"?]/, "\\\\&"); print "    \"" $$0 "\\n\"" } END { print "    \"\";" }' $< >$@

$(BUILD)/server/pg_server.o: $(BUILD)/gen/schema_sql.h
$(BUILD)/server/pg_server.o: CFLAGS += -I$(BUILD)/gen

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# test_pq_faults arms libfiu's posix/io/net/recv, which fails only in a
# program linked with libfiu's POSIX wrappers ahead of libc. No other binary
# links them, because every wrapped call would pay for a fail-point lookup.
FIU_POSIX_PRELOAD := /usr/lib/fiu/fiu_posix_preload.so
$(BUILD)/tests/test_pq_faults: LDLIBS += -Wl,--no-as-needed $(FIU_POSIX_PRELOAD) \
    -Wl,-rpath,$(dir $(FIU_POSIX_PRELOAD))

# The corpus replay runs the fuzz targets without libFuzzer (fuzz/fuzz.h).
$(BUILD)/tests/test_fuzz_corpus: $(FUZZ_OBJ) $(CLI_LIB_OBJ)

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

test: bin/barriersim $(TEST_BIN)
	@BUILD=$(BUILD) sh tests/with_pg.sh sh tests/collect.sh $(TEST_BIN)

bench: bin/barriersim $(BENCH_BIN)
	@BUILD=$(BUILD) sh bench/run_bench.sh

compilers:
	$(MAKE) CC=gcc BUILD=build/gcc $(addprefix build/gcc/,barriersim $(TEST_BIN:$(BUILD)/%=%) $(BENCH_BIN:$(BUILD)/%=%))
	$(MAKE) CC=clang BUILD=build/clang $(addprefix build/clang/,barriersim $(TEST_BIN:$(BUILD)/%=%) $(BENCH_BIN:$(BUILD)/%=%))

# The sub-make takes CFLAGS from the environment so that the Makefile's
# += flags still apply; --coverage in CFLAGS also links libgcov.
# BARRIERSIM_COVERAGE lets a test that must abort write its gcov counters.
COVERAGE_BUILD := build/coverage
COVERAGE_TEST_BIN := $(TEST_SRC:tests/%.c=$(COVERAGE_BUILD)/tests/%)

coverage:
	CFLAGS="-O0 -g --coverage -DBARRIERSIM_COVERAGE" $(MAKE) CC=gcc BUILD=$(COVERAGE_BUILD) \
	    $(COVERAGE_BUILD)/barriersim $(COVERAGE_TEST_BIN)
	@BUILD=$(COVERAGE_BUILD) sh scripts/coverage.sh $(COVERAGE_TEST_BIN)

# The -O2 builds are those of make compilers (same flags), so after it only
# the two -O0 builds compile anything.
DET_BUILDS := build/det-gcc-O0 build/det-clang-O0 build/gcc build/clang

determinism:
	CFLAGS="-O0 -g" $(MAKE) CC=gcc BUILD=build/det-gcc-O0 build/det-gcc-O0/tests/det_digest
	CFLAGS="-O0 -g" $(MAKE) CC=clang BUILD=build/det-clang-O0 build/det-clang-O0/tests/det_digest
	$(MAKE) CC=gcc BUILD=build/gcc build/gcc/tests/det_digest
	$(MAKE) CC=clang BUILD=build/clang build/clang/tests/det_digest
	@sh scripts/det_builds.sh $(DET_BUILDS)

# clang, because the fuzz targets (fuzz/) need its libFuzzer and share these
# flags. -O1 keeps the sanitized suite fast enough for CI; recover=all off
# makes the first report end the program, so that no test can pass over it.
SANITIZE_BUILD := build/sanitize
SANITIZE_CFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
    -fno-sanitize-recover=all
SANITIZE_TEST_BIN := $(TEST_SRC:tests/%.c=$(SANITIZE_BUILD)/tests/%)

# tests/sanitize_canary.c plants bugs in both builds, so that the script can
# prove that a report fails it before it trusts a clean run.
sanitize: bin/barriersim $(BUILD)/tests/sanitize_canary
	CFLAGS="$(SANITIZE_CFLAGS)" $(MAKE) CC=clang BUILD=$(SANITIZE_BUILD) \
	    $(SANITIZE_BUILD)/barriersim $(SANITIZE_TEST_BIN) $(SANITIZE_BUILD)/tests/sanitize_canary
	@BUILD=$(SANITIZE_BUILD) PLAIN_BUILD=$(BUILD) sh scripts/sanitize.sh $(SANITIZE_TEST_BIN)

# libFuzzer: every object carries the fuzzer's coverage instrumentation
# (fuzzer-no-link), and only the final link pulls in libFuzzer's main. Each
# target runs FUZZ_SECONDS on one core, one after the other (-jobs=1: the
# machine's two cores are shared). New inputs collect in build/fuzz/work/;
# make fuzz-merge minimises them into fuzz/corpus/, which is kept in git.
FUZZ_BUILD := build/fuzz
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := $(SANITIZE_CFLAGS) -fsanitize=fuzzer-no-link
FUZZ_BIN := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzzers/fuzz_%)

$(BUILD)/fuzz/libfuzzer_%.o: fuzz/libfuzzer_main.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEPFLAGS) -DFUZZ_TARGET=fuzz_$*_one -c -o $@ $<

$(BUILD)/fuzzers/fuzz_%: $(BUILD)/fuzz/libfuzzer_%.o $(BUILD)/fuzz/fuzz_%.o $(LIB_OBJ) \
    $(CLI_LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

fuzz:
	CFLAGS="$(FUZZ_CFLAGS)" $(MAKE) CC=clang BUILD=$(FUZZ_BUILD) $(FUZZ_BIN)
	@for target in $(FUZZ_TARGETS); do \
	    sh fuzz/run.sh run "$$target" $(FUZZ_SECONDS) || exit 1; \
	done

fuzz-merge:
	CFLAGS="$(FUZZ_CFLAGS)" $(MAKE) CC=clang BUILD=$(FUZZ_BUILD) $(FUZZ_BIN)
	@for target in $(FUZZ_TARGETS); do \
	    sh fuzz/run.sh merge "$$target" || exit 1; \
	done

# Determinism rule: run code takes time from the virtual clock and chance
# from the seeded generator only.
lint:
	@! grep -nE '\b(rand|random|srand|time|clock_gettime|gettimeofday|sleep|usleep|getpid)[[:space:]]*\(' \
	    core/*.c sim/*.c faults/*.c scenarios/*.c \
	  || { echo "make lint: wall-clock time or libc randomness in run code (above)"; exit 1; }
	@! grep -n 'fiu_enable_random' core/*.c sim/*.c faults/*.c \
	  || { echo "make lint: fiu_enable_random seeds from the clock"; exit 1; }
	@echo "make lint: ok"

clean:
	rm -rf build bin reports/coverage

-include $(shell find build -name '*.d' 2>/dev/null)
