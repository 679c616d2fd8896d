# rapport.nvim -- `make` builds bin/rapport; `make test` and `make run` first
# install what is missing (tools/deps.sh, tools/nvim-recent.sh).

CC       ?= cc
MSGPACK  := $(shell pkg-config --exists msgpack-c 2>/dev/null && echo msgpack-c || echo msgpack)
PKGS     := libuv $(MSGPACK) sqlite3 yaml-0.1 jansson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

# Link the five libraries statically when their archives are installed
# (Debian's -dev packages ship them): each CLI call then starts ~2 ms
# sooner (no dynamic loading of five libraries), and bin/rapport does not
# depend on their runtime versions. STATIC=0 links dynamically.
STATIC   ?= 1
STATIC_ARCHIVES := libuv_a.a libmsgpackc.a libsqlite3.a libyaml.a libjansson.a
find_archive = $(firstword $(wildcard $(shell $(CC) -print-file-name=$(1) 2>/dev/null)))
ifeq ($(STATIC),1)
  FOUND_ARCHIVES := $(foreach a,$(STATIC_ARCHIVES),$(call find_archive,$(a)))
  ifeq ($(words $(FOUND_ARCHIVES)),$(words $(STATIC_ARCHIVES)))
    PKG_LIBS := $(FOUND_ARCHIVES) -ldl -lrt
  endif
endif

OPT      ?= -O2 -g
WARN     := -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion \
            -Wstrict-prototypes -Wmissing-prototypes
WERROR   ?=
CFLAGS   += -std=c11 $(OPT) $(WARN) $(WERROR)
CPPFLAGS += -D_GNU_SOURCE -Isrc $(PKG_CFLAGS)
LDLIBS   += $(PKG_LIBS) -lpthread -lm

BUILD    ?= build
SRCS     := $(wildcard src/*.c)
OBJS     := $(SRCS:src/%.c=$(BUILD)/%.o)
LIBOBJS  := $(filter-out $(BUILD)/main.o,$(OBJS))
TESTS    := $(patsubst tests/c/%.c,$(BUILD)/tests/%,$(wildcard tests/c/test_*.c))

NVIM_RECENT := .deps/nvim/bin/nvim

.PHONY: all test run asan asan-build valgrind lint doc bench clean deps nvim-recent check-c fuzz

BIN      ?= bin/rapport

all: $(BIN)

$(BIN): $(OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

$(BUILD)/%.o: src/%.c
	@mkdir -p $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%: tests/c/%.c $(LIBOBJS) tests/c/test.h
	@mkdir -p $(BUILD)/tests
	$(CC) $(CPPFLAGS) -Itests/c $(CFLAGS) -o $@ $< $(LIBOBJS) $(LDLIBS)

$(BUILD)/gen: bench/gen.c
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) -D_GNU_SOURCE -o $@ $<

-include $(OBJS:.o=.d)

deps:
	@sh tools/deps.sh

nvim-recent:
	@sh tools/nvim-recent.sh .deps/nvim

# Every test: C unit tests, then the Neovim tests on Debian's nvim and a recent one.
# The suite, then again with the sanitizer build (see asan below).
test: deps nvim-recent
	@$(MAKE) --no-print-directory all $(TESTS) $(BUILD)/gen
	@$(MAKE) --no-print-directory asan-build
	@sh tests/run.sh --asan build/asan $(TESTS)

check-c: all $(TESTS) $(BUILD)/gen
	@sh tests/run.sh --c-only $(TESTS)

run: deps nvim-recent all
	@sh tools/run.sh

# The helper and the C tests built with AddressSanitizer + UBSan.
ASAN_MAKE := $(MAKE) --no-print-directory BUILD=build/asan BIN=build/asan/rapport \
  OPT="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
  LDFLAGS="-fsanitize=address,undefined"

asan-build:
	@$(ASAN_MAKE) build/asan/rapport $(patsubst $(BUILD)/%,build/asan/%,$(TESTS))

# Only the sanitizer half of `make test`.
asan: deps nvim-recent asan-build
	@sh tests/run.sh --asan-only build/asan

fuzz:
	@sh tests/fuzz/run.sh

# Every CLI command and an rpc session under valgrind's memcheck.
valgrind: deps all
	@sh tests/valgrind.sh bin/rapport

lint:
	@sh tools/lint.sh

doc:
	@sh tools/doccheck.sh

bench: all $(BUILD)/gen
	@sh bench/run.sh

clean:
	rm -rf build bin doc/tags tests/tmp bench/out
