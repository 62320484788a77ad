# slmsim: one non-recursive Makefile.  `make test` and `make run` install
# what a fresh Debian machine lacks (see `deps`), then build and go.

PKGS      := gsl yaml-0.1
PREFIX    ?= /usr/local
DESTDIR   ?=
SHAREDIR   = $(PREFIX)/share/slmsim
MANDIR     = $(PREFIX)/share/man/man1
CC        ?= cc
CPPFLAGS  += -I. -D_POSIX_C_SOURCE=200809L
# Where installed data (scenarios, calibration files, traces) are found
# when a path does not resolve beside the scenario file.
CPPFLAGS  += -DSLMSIM_SHARE_DIR='"$(SHAREDIR)"'
WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wwrite-strings -Wundef -Wformat=2 \
             -Wdouble-promotion -Wvla
CFLAGS    ?= -O2 -g
# The program is linked with link-time optimisation at -O3 (LTO_OPT): the
# event loop's small calls (sim_now, evq_size, the models' handlers)
# inline across files, a sixth faster with the same results.  Objects are
# fat (LTO bytecode beside -O2 code), so the tests and benchmarks link the
# same objects without LTO and build as fast as before.  LTO= turns it off.
LTO       ?= -flto=auto -ffat-lto-objects
LTO_OPT   ?= -O3
# GCC's linker plugin would run LTO on fat objects all the same.
NO_LTO     = $(if $(LTO),-fno-lto)
# Recursive (=) so pkg-config runs after `deps` has installed the packages.
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS       = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm
TEST_LIBS  = $(shell pkg-config --libs cmocka 2>/dev/null)

# make MPI=1: the same program built with Open MPI's mpicc, so that
# `mpirun -np K slmsim sweep FILE` spreads the points over K ranks
# (study/pool.h); its objects live in build/mpi.
ifeq ($(MPI),1)
CC        := mpicc
CPPFLAGS  += -DSLM_HAVE_MPI
B         ?= build/mpi
endif
B         ?= build
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
             -fno-omit-frame-pointer

# Sources, per folder.  cli/ is the program; sim/, models/, study/ (built
# on models/, never on cli/) and plots/ are the library; calibrate/ (the
# benchmark's CPU twin and the fits) is a library of its own that only the
# CLI and its tests link, so that nothing below the CLI can depend on it.
SIM_SRC    := $(wildcard sim/*.c)
MODELS_SRC := $(wildcard models/*.c)
STUDY_SRC  := $(wildcard study/*.c)
PLOTS_SRC  := $(wildcard plots/*.c)
CAL_SRC    := $(wildcard calibrate/*.c)
CLI_SRC    := $(wildcard cli/*.c)
LIB_SRC    := $(SIM_SRC) $(MODELS_SRC) $(STUDY_SRC) $(PLOTS_SRC)
TEST_SRC   := $(wildcard tests/test_*.c)
BENCH_SRC  := $(wildcard bench/*.c)

LIB_OBJ    := $(LIB_SRC:%.c=$(B)/%.o)
CAL_OBJ    := $(CAL_SRC:%.c=$(B)/%.o)
CLI_OBJ    := $(CLI_SRC:%.c=$(B)/%.o)
TEST_BIN   := $(TEST_SRC:tests/%.c=$(B)/tests/%)
BENCH_BIN  := $(BENCH_SRC:bench/%.c=$(B)/bench/%)

SCENARIO  ?= scenarios/quickstart.yaml

.PHONY: all test run sanitize valgrind bench deps clean install uninstall \
        print-flags FORCE check-deps test-unit test-cli format fuzz \
        fuzz-build calibrate-cuda validate test-mpi
.DEFAULT_GOAL := all

all: slmsim

# ---- set-up -------------------------------------------------------------
deps:
	@scripts/deps.sh

# ---- build --------------------------------------------------------------
slmsim: $(B)/slmsim
	@cp $< $@

$(B)/slmsim: $(CLI_OBJ) $(B)/libslmcal.a $(B)/libslmsim.a
	$(CC) $(ALL_CFLAGS) $(LTO) $(if $(LTO),$(LTO_OPT)) $(LDFLAGS) -o $@ \
	    $(CLI_OBJ) $(B)/libslmcal.a \
	    $(B)/libslmsim.a $(LIBS)

$(B)/libslmsim.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/libslmcal.a: $(CAL_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# The bucket-index table of the quantile sketch (sim/stats.c), computed at
# build time with this machine's libm: see sim/gen/qhist_table_gen.c.
CPPFLAGS  += -I$(B)/gen
$(B)/gen/qhist_table.h: sim/gen/qhist_table_gen.c sim/stats.h $(B)/flags.stamp
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $(B)/gen/qhist_table_gen \
	    $< -lm
	$(B)/gen/qhist_table_gen > $@.tmp && mv $@.tmp $@
$(B)/sim/stats.o: $(B)/gen/qhist_table.h

$(B)/%.o: %.c $(B)/flags.stamp
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LTO) -MMD -MP -c -o $@ $<

$(B)/tests/%: tests/%.c $(B)/libslmcal.a $(B)/libslmsim.a tests/check.h \
              $(B)/flags.stamp
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -DTEST_DATA_DIR='"tests/data"' $(ALL_CFLAGS) $(NO_LTO) \
	    $(shell pkg-config --cflags cmocka 2>/dev/null) -MMD -MP -o $@ $< \
	    $(B)/libslmcal.a $(B)/libslmsim.a $(LIBS) $(TEST_LIBS)

$(B)/bench/%: bench/%.c $(B)/libslmsim.a $(B)/flags.stamp
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(NO_LTO) -o $@ $< $(B)/libslmsim.a $(LIBS)

-include $(LIB_OBJ:.o=.d) $(CAL_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_BIN:=.d)

# The files that compile the share folder in are rebuilt when PREFIX
# changes, so `make install PREFIX=...` never installs a stale path.
SHARE_USERS := $(shell grep -l SLMSIM_SHARE_DIR $(LIB_SRC) $(CAL_SRC) $(CLI_SRC) 2>/dev/null)
$(SHARE_USERS:%.c=$(B)/%.o): $(B)/share-dir.stamp
$(B)/share-dir.stamp: FORCE
	@mkdir -p $(B)
	@echo '$(SHAREDIR)' | cmp -s - $@ || echo '$(SHAREDIR)' > $@
# Everything is rebuilt when the compiler or its flags change (LTO=,
# CFLAGS=...): objects of one setting are never linked with another's
# (fat LTO objects linked without -fno-lto run LTO all the same).
FLAGS_TEXT = $(subst ','\'',$(CC) $(ALL_CFLAGS) $(LTO) $(LTO_OPT) $(LDFLAGS))
$(B)/slmsim: $(B)/flags.stamp
$(B)/flags.stamp: FORCE
	@mkdir -p $(B)
	@echo '$(FLAGS_TEXT)' | cmp -s - $@ || echo '$(FLAGS_TEXT)' > $@
FORCE:

# ---- checks -------------------------------------------------------------
# The unit and statistical tests (cmocka), then the CLI: golden error
# messages and every scenario in scenarios/ on a short horizon.
test: deps
	@$(MAKE) --no-print-directory test-unit test-cli

test-unit: $(TEST_BIN)
	@scripts/run-tests.sh $(TEST_BIN)

test-cli: $(B)/slmsim
	@TEST_OUT=$(B)/test-out scripts/test-cli.sh $(B)/slmsim
	@TEST_OUT=$(B)/test-study scripts/test-study.sh $(B)/slmsim
	@TEST_OUT=$(B)/test-out-calib scripts/test-calibrate.sh $(B)/slmsim
	@TEST_OUT=$(B)/test-out scripts/test-validate.sh $(B)/slmsim
	@scripts/test-catalog.sh $(B)/slmsim
	@TEST_OUT=$(B)/test-out scripts/test-mutate.sh $(B)/slmsim 400
	@TEST_OUT=$(B)/test-out scripts/test-truth.sh $(B)/slmsim
	@TEST_OUT=$(B)/test-out scripts/test-args.sh $(B)/slmsim
	@TEST_OUT=$(B)/test-sweep scripts/test-sweep.sh $(B)/slmsim
	@TEST_OUT=$(B)/test-out scripts/test-jobs.sh $(B)/slmsim
	@TEST_OUT=$(B)/test-out scripts/test-run-jobs.sh $(B)/slmsim
	@TEST_OUT=$(B)/test-out scripts/test-prefix.sh $(B)/slmsim

# The MPI build and `mpirun -np 2 slmsim sweep` against one process (needs
# Open MPI: Debian libopenmpi-dev openmpi-bin); CI runs it where mpicc is.
test-mpi: $(B)/slmsim
	@$(MAKE) --no-print-directory MPI=1 B=build/mpi build/mpi/slmsim
	@TEST_OUT=$(B)/test-mpi scripts/test-sweep.sh $(B)/slmsim build/mpi/slmsim

# Runs the published measurements in validation/ and rewrites the table
# in docs/validation.md.
validate: $(B)/slmsim
	@scripts/validate.sh --bin $(B)/slmsim --doc docs/validation.md

run: deps
	@$(MAKE) --no-print-directory slmsim
	./slmsim run --plots $(SCENARIO)

sanitize: deps
	@$(MAKE) --no-print-directory B=build/sanitize LTO= \
	    CFLAGS="-O1 -g $(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" test-unit test-cli

valgrind: deps
	@$(MAKE) --no-print-directory slmsim
	@scripts/valgrind.sh ./slmsim

# slmsim against SimPy, a hand-written heapq loop and the same queue as a
# hand-written C loop (M/M/16, rho = 0.9, interleaved rounds:
# bench/mmc_compare.py, bench/tight_mmc.c; Debian python3-simpy3), the
# GPU year (bench/gpu-year.sh: wall time, results.json size), then the
# engine benchmarks in bench/*.c: peak RSS at 10^6, 10^7 and 10^8
# customers (bench_mmc), trace replay lines/s (bench_trace).  About five
# minutes on 2 cores; never part of `make test`.
BENCH_ROUNDS ?= 7
bench: deps
	@$(MAKE) --no-print-directory $(BENCH_BIN) $(B)/slmsim
	@/usr/bin/python3 -c 'import simpy' 2>/dev/null || { echo "bench: SimPy" \
	    "missing (apt-get install python3-simpy3)"; exit 1; }
	@echo "== slmsim vs SimPy and heapq (bench/mmc_compare.py)"
	@nice -n 19 /usr/bin/python3 bench/mmc_compare.py $(B)/slmsim \
	    $(BENCH_ROUNDS) $(B)/bench/tight_mmc
	@echo "== GPU year (bench/gpu-year.sh)"
	@bench/gpu-year.sh $(B)/slmsim $(B)/bench-gpu-year
	@for b in $(filter-out %/tight_mmc,$(BENCH_BIN)); do \
	    echo "== $$b"; $$b || exit 1; done

# ---- fuzzing -------------------------------------------------------------
# libFuzzer targets in tests/fuzz/ (clang, ASan + UBSan), each run for
# FUZZ_SECONDS on its corpus under build/fuzz/.  Never a prerequisite of
# test: tests/fuzz/deps.sh installs clang only for this target.
FUZZ_SECONDS ?= 60
FUZZ_B       := build/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all \
                -fno-omit-frame-pointer
FUZZ_BIN     := $(patsubst tests/fuzz/%.c,$(FUZZ_B)/tests/fuzz/%,\
                  $(wildcard tests/fuzz/fuzz_*.c))

fuzz:
	@tests/fuzz/deps.sh
	@$(MAKE) --no-print-directory B=$(FUZZ_B) CC=clang LTO= \
	    CFLAGS="-O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link" fuzz-build
	@nice -n 19 tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

fuzz-build: $(FUZZ_BIN)

$(B)/tests/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h \
                        $(B)/libslmsim.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< \
	    $(B)/libslmsim.a $(LIBS)

# The binary, the man page, and the data the shipped scenarios read:
# share/slmsim/scenarios (with their traces beside them, as the scenarios
# name them), share/slmsim/calibrate/results and share/slmsim/traces.
install: slmsim
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)
	install -m 755 slmsim $(DESTDIR)$(PREFIX)/bin/slmsim
	install -m 644 docs/slmsim.1 $(DESTDIR)$(MANDIR)/slmsim.1
	install -d $(DESTDIR)$(SHAREDIR)/scenarios/traces \
	    $(DESTDIR)$(SHAREDIR)/calibrate/results $(DESTDIR)$(SHAREDIR)/traces
	install -m 644 scenarios/*.yaml $(DESTDIR)$(SHAREDIR)/scenarios/
	install -m 644 scenarios/traces/* $(DESTDIR)$(SHAREDIR)/scenarios/traces/
	install -m 644 scenarios/traces/* $(DESTDIR)$(SHAREDIR)/traces/
	install -m 644 calibrate/results/*.yaml \
	    $(DESTDIR)$(SHAREDIR)/calibrate/results/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/slmsim $(DESTDIR)$(MANDIR)/slmsim.1
	rm -rf $(DESTDIR)$(SHAREDIR)

# The CUDA micro-benchmark (calibrate/bench.cu): built only where nvcc is
# found, never a prerequisite of all or test.  `slmsim calibrate --device
# cuda` runs it from beside slmsim (or PATH).  NVCC_ARCH: the GPUs to build
# for (default: the common data-centre ones, plus PTX for newer).
NVCC      ?= $(shell command -v nvcc 2>/dev/null || \
               { test -x /usr/local/cuda/bin/nvcc && echo /usr/local/cuda/bin/nvcc; })
NVCC_ARCH ?= -gencode arch=compute_80,code=sm_80 \
             -gencode arch=compute_86,code=sm_86 \
             -gencode arch=compute_89,code=sm_89 \
             -gencode arch=compute_90,code=sm_90 \
             -gencode arch=compute_90,code=compute_90
NVCC_FLAGS ?= -O2 -std=c++17 -Xcompiler -Wall,-Wextra,-Werror
# NCCL (the all-reduce of tensor parallelism) when its header is found.
NCCL_LIBS  = $(if $(wildcard $(dir $(NVCC))../include/nccl.h /usr/include/nccl.h),\
               -DSLM_HAVE_NCCL -lnccl)
calibrate-cuda:
	@if [ -z "$(NVCC)" ]; then \
	    echo "calibrate-cuda: nvcc not found; the CPU twin (slmsim" \
	        "calibrate --device cpu) needs no GPU"; exit 1; fi
	@mkdir -p $(B)
	$(NVCC) $(NVCC_FLAGS) $(NVCC_ARCH) -o $(B)/slmsim-bench-cuda \
	    calibrate/bench.cu -lcublasLt -lcublas $(NCCL_LIBS)
	@cp $(B)/slmsim-bench-cuda slmsim-bench-cuda

format:
	clang-format -i $(LIB_SRC) $(CAL_SRC) $(CLI_SRC) $(TEST_SRC) $(wildcard */*.h)

print-flags:
	@echo "CC=$(CC)"; echo "CPPFLAGS=$(CPPFLAGS)"; echo "CFLAGS=$(ALL_CFLAGS)"
	@echo "LTO=$(LTO) $(if $(LTO),$(LTO_OPT))"
	@echo "LIBS=$(LIBS)"

clean:
	rm -rf build slmsim slmsim-bench-cuda out
