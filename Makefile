# mailspec: one hand-written Makefile (redis-style, -MMD dependencies,
# objects out of tree under $(BUILD)).
#
#   make                  build build/bin/mailspec and build/bin/mailspec-server
#   make test             install deps, build, run every test (C units under ASan+UBSan, pytest)
#   make run              install deps, build, run the suite, write build/report/
#   make deps             install missing Debian packages (as root) or print the apt-get line
#   make fuzz             build the libFuzzer harnesses with clang into build/fuzz/
#   make install PREFIX=/usr/local
#   make CC=clang   make SANITIZE=address,undefined   make BUILD=build/other

CC       ?= cc
BUILD    ?= build
PREFIX   ?= /usr/local
SANITIZE ?=
PYTHON   ?= /usr/bin/python3
VERSION  := 0.1.0

PKGS     := yaml-0.1 openssl libpcre2-8 jansson
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wpointer-arith -Wformat=2 -Wno-unused-parameter
CFLAGS   ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -MMD -MP \
             -DMAILSPEC_VERSION='"$(VERSION)"' -Iengine -Iengine/proto -Ireports -Itests/unit
LDLIBS   := -lyaml -lssl -lcrypto -lpcre2-8 -ljansson -lpthread
ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS    += -fsanitize=$(SANITIZE)
endif

# engine/proto: the codecs everything stands on (no I/O)
PROTO_SRCS := \
	engine/proto/arena.c \
	engine/proto/buf.c \
	engine/proto/base64.c \
	engine/proto/linebuf.c \
	engine/proto/smtp_reply.c \
	engine/proto/smtp_cmd.c \
	engine/proto/smtp_data.c \
	engine/proto/pop3.c \
	engine/proto/mime_lex.c \
	engine/proto/mime_charset.c \
	engine/proto/mime_base64.c \
	engine/proto/mime_qp.c \
	engine/proto/rfc2047.c \
	engine/proto/rfc2231.c \
	engine/proto/mime_header.c \
	engine/proto/mime.c \
	engine/proto/mime_part.c \
	engine/proto/mime_fields.c \
	engine/proto/mime_addr.c \
	engine/proto/mime_date.c \
	engine/proto/imap_node.c \
	engine/proto/imap_frame.c \
	engine/proto/imap_lex.c \
	engine/proto/imap_section.c \
	engine/proto/imap_resp.c \
	engine/proto/imap_resp_query.c \
	engine/proto/imap_cmd.c \
	engine/proto/imap_seqset.c \
	engine/proto/imap_fetchattr_envelope.c \
	engine/proto/imap_fetchattr_body.c \
	engine/proto/imap_fetchattr_section.c

# engine: loader, runner, network, CLI
ENGINE_SRCS := \
	engine/scenario.c \
	engine/loader.c \
	engine/loader_steps.c \
	engine/loader_yaml.c \
	engine/vars.c \
	engine/match.c \
	engine/net.c \
	engine/target.c \
	engine/target_file.c \
	engine/bundled.c \
	engine/runner.c \
	engine/exec.c \
	engine/exec_conn.c \
	engine/judge.c \
	engine/judge_smtp.c \
	engine/exec_pop3.c \
	engine/judge_pop3.c \
	engine/exec_imap.c \
	engine/judge_imap.c \
	engine/judge_fetch.c \
	engine/probe.c \
	engine/results.c \
	engine/select.c \
	engine/cmd_report.c \
	engine/cmd_mime.c

REPORT_SRCS := \
	reports/json_writer.c \
	reports/report_file.c \
	reports/report_text.c \
	reports/report_stats.c \
	reports/report_json.c \
	reports/report_junit.c \
	reports/report_tap.c \
	reports/report_md.c \
	reports/report_markdown.c \
	reports/report_html_assets.c \
	reports/report_html_page.c \
	reports/report_html.c \
	reports/report_read.c \
	reports/report_matrix.c \
	reports/report_matrix_html.c \
	reports/report_matrix_md.c

MAIN_SRCS := engine/main.c

# C unit tests: tests/unit/<name>.c, one binary each, run by tests/test_unit.py
PROTO_UNIT_TESTS := \
	test_arena_buf \
	test_linebuf \
	test_smtp_reply \
	test_smtp_cmd \
	test_smtp_data \
	test_pop3 \
	test_mime \
	test_mime_parts \
	test_mime_header \
	test_mime_codecs \
	test_mime_addr \
	test_imap_resp \
	test_imap_cmd \
	test_imap_fetchattr

ENGINE_UNIT_TESTS := \
	test_loader \
	test_vars \
	test_target \
	test_reports \
	test_report_formats \
	test_net

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

PROTO_OBJS  := $(call obj,$(PROTO_SRCS))
ENGINE_OBJS := $(call obj,$(ENGINE_SRCS))
REPORT_OBJS := $(call obj,$(REPORT_SRCS))
MAIN_OBJS   := $(call obj,$(MAIN_SRCS))
UNIT_BINS   := $(addprefix $(BUILD)/tests/,$(PROTO_UNIT_TESTS) $(ENGINE_UNIT_TESTS))

BINS := $(BUILD)/bin/mailspec $(BUILD)/bin/mailspec-server

.PHONY: all test run deps clean install unit-tests check-deps fuzz
all: $(BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/lib/libmailspec-proto.a: $(PROTO_OBJS)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(BUILD)/lib/libmailspec-engine.a: $(ENGINE_OBJS) $(REPORT_OBJS)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

$(BUILD)/bin/mailspec: $(MAIN_OBJS) $(BUILD)/lib/libmailspec-engine.a $(BUILD)/lib/libmailspec-proto.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(addprefix $(BUILD)/tests/,$(PROTO_UNIT_TESTS)): $(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/lib/libmailspec-proto.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(addprefix $(BUILD)/tests/,$(ENGINE_UNIT_TESTS)): $(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/lib/libmailspec-engine.a $(BUILD)/lib/libmailspec-proto.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

unit-tests: $(UNIT_BINS)

deps:
	@sh tests/deps.sh

# make test: the C units and the end-to-end tests run on binaries built
# with ASan+UBSan; a clang build proves the tree is warning-free there too.
# Sequential on purpose: under make -j nothing may compile before deps.
test:
	@sh tests/deps.sh
	$(MAKE) all
	$(MAKE) CC=clang BUILD=$(BUILD)/clang all
	$(MAKE) BUILD=$(BUILD)/asan SANITIZE=address,undefined all unit-tests
	$(MAKE) fuzz-replay-test
	MAILSPEC_BUILD=$(BUILD)/asan $(PYTHON) -m pytest -q tests $(PYTEST_ARGS)

run:
	@sh tests/deps.sh
	$(MAKE) all
	@mkdir -p $(BUILD)/report
	$(BUILD)/bin/mailspec run $(RUN_ARGS) --json $(BUILD)/report/results.json \
		--junit $(BUILD)/report/junit.xml --html $(BUILD)/report/index.html scenarios; \
	rc=$$?; echo "reports: $(BUILD)/report/index.html $(BUILD)/report/results.json" \
		"$(BUILD)/report/junit.xml"; exit $$rc

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/mailspec \
		$(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	cp -R scenarios $(DESTDIR)$(PREFIX)/share/mailspec/
	install -m 644 docs/man/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/

clean:
	rm -rf $(BUILD)

# ==== fuzz (section owned by the engine/proto codecs) ========================
#   make fuzz                         build $(BUILD)/fuzz/<target>: clang + libFuzzer,
#                                     ASan and UBSan; objects in $(BUILD)/fuzz/obj/
#   make fuzz-replay                  build $(BUILD)/fuzz-replay/<target> with $(CC) and
#                                     fuzz/standalone_main.c (under SANITIZE), then replay
#                                     fuzz/corpus/<target>/ and fuzz/regress/<target>/
#   make fuzz-run T=<target> SECONDS=n  run one harness with fuzz/dict/<word2>.dict and the
#                                     max_len of fuzz/<target>.options; new inputs go to
#                                     $(BUILD)/fuzz/corpus/<target>/, crashes to
#                                     $(BUILD)/fuzz/artifacts/<target>/ (FUZZ_ARGS: more flags)
#   make fuzz-smoke                   every harness for SECONDS=10 (unless given); fails on
#                                     the first crash, leak or hang
#   make fuzz-coverage                fuzz/coverage.sh: llvm-cov line coverage of each
#                                     harness's parser files over its corpora
#   FUZZ_OPT=-O1                      the optimisation of the libFuzzer builds (-O2:
#                                     about a tenth faster than OSS-Fuzz's -O1)
# Three classes of harness: codec ones link the proto objects; engine ones
# also the scenario loader (libyaml, PCRE2); server ones (fuzz_session_*)
# also the reference server minus main.c, fuzz/session_driver.c, session_pipe.c,
# session_store.c and OpenSSL.
# A crash found by a fuzzer is kept as a file in fuzz/regress/<target>/; make test
# replays it (and the seed corpora) under ASan+UBSan through fuzz-replay-test.
FUZZ_TARGETS := \
	fuzz_smtp_reply \
	fuzz_smtp_cmd \
	fuzz_smtp_data \
	fuzz_pop3_resp \
	fuzz_pop3_cmd \
	fuzz_imap_resp \
	fuzz_imap_cmd \
	fuzz_mime_message \
	fuzz_mime_header \
	fuzz_mime_rfc2047 \
	fuzz_mime_codecs \
	fuzz_mime_address \
	fuzz_mime_date

# the harnesses link every codec
FUZZ_PROTO_SRCS := $(PROTO_SRCS)

# harnesses of engine parts (the scenario loader) also link these and libs
FUZZ_ENGINE_TARGETS := \
	fuzz_scenario_loader

FUZZ_ENGINE_SRCS := \
	engine/scenario.c \
	engine/loader.c \
	engine/loader_steps.c \
	engine/loader_yaml.c
FUZZ_ENGINE_LIBS := -lyaml -lpcre2-8

# harnesses of the reference server's sessions, driven in-process
FUZZ_SERVER_TARGETS := \
	fuzz_session_smtp \
	fuzz_session_pop3 \
	fuzz_session_imap

FUZZ_SERVER_DRIVER := \
	fuzz/session_driver.c \
	fuzz/session_pipe.c \
	fuzz/session_store.c

# (recursive: SERVER_SRCS is set in the server section below)
FUZZ_SERVER_SRCS = $(FUZZ_SERVER_DRIVER) $(filter-out reference_server/main.c,$(SERVER_SRCS))
FUZZ_SERVER_LIBS := -lssl -lcrypto

FUZZ_ALL_TARGETS := $(FUZZ_TARGETS) $(FUZZ_ENGINE_TARGETS) $(FUZZ_SERVER_TARGETS)

FUZZ_CC      ?= clang
FUZZ_OPT     ?= -O2
# UBSan without its alignment and pointer-overflow checks, as OSS-Fuzz's
# builds do (its SANITIZER_FLAGS_undefined has neither): each check is a
# compare that trace-cmp then reports to libFuzzer, one per dereference or
# pointer step (61 % of fuzz_imap_cmd's const_cmp8 call sites), which cost
# the harnesses 40 % of their speed and gave no guidance. Both checks stay on
# where every corpus and regress input is replayed (fuzz-replay-test, the
# full -fsanitize=address,undefined), and in the ASan+UBSan unit tests.
FUZZ_UBSAN   ?= -fsanitize=undefined -fno-sanitize=alignment,pointer-overflow
FUZZ_CFLAGS  := -std=c11 -D_GNU_SOURCE $(WARN) $(FUZZ_OPT) -g -MMD -MP -DMAILSPEC_VERSION='"$(VERSION)"' -Iengine/proto -Iengine -Ireports -Ifuzz \
                -Ireference_server -fno-omit-frame-pointer -fno-sanitize-recover=all \
                -fsanitize=fuzzer-no-link,address $(FUZZ_UBSAN)
FUZZ_LDFLAGS := -fsanitize=fuzzer,address $(FUZZ_UBSAN)
FUZZ_OBJDIR   = $(BUILD)/fuzz/obj
REPLAY_OBJDIR = $(BUILD)/fuzz-replay/obj
FUZZ_BINS     = $(addprefix $(BUILD)/fuzz/,$(FUZZ_ALL_TARGETS))
REPLAY_BINS   = $(addprefix $(BUILD)/fuzz-replay/,$(FUZZ_ALL_TARGETS))
# Comparisons are traced (-fsanitize-coverage=trace-cmp, for libFuzzer's
# value-guided mutations) only in the code under test: not in the harnesses
# and drivers, nor in the byte buffer and the arena, whose comparisons are
# of sizes, not of input bytes: tracing them cost a codec harness a quarter
# of its time (perf, fuzz/README.md "Speed").
FUZZ_NO_CMP_TRACE := -fno-sanitize-coverage=trace-cmp
$(FUZZ_OBJDIR)/fuzz/%.o: FUZZ_CFLAGS += $(FUZZ_NO_CMP_TRACE)
$(FUZZ_OBJDIR)/engine/proto/buf.o $(FUZZ_OBJDIR)/engine/proto/arena.o: \
	FUZZ_CFLAGS += $(FUZZ_NO_CMP_TRACE)
T       ?= fuzz_smtp_cmd
SECONDS ?= 60
SMOKE_SECONDS = $(if $(filter command line environment,$(origin SECONDS)),$(SECONDS),10)

.PHONY: fuzz fuzz-replay fuzz-replay-test fuzz-run fuzz-smoke fuzz-coverage
fuzz: $(FUZZ_BINS)

$(FUZZ_OBJDIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BINS): $(BUILD)/fuzz/%: $(FUZZ_OBJDIR)/fuzz/%.o \
		$(patsubst %.c,$(FUZZ_OBJDIR)/%.o,$(FUZZ_PROTO_SRCS))
	$(FUZZ_CC) $(FUZZ_LDFLAGS) -o $@ $^ $(FUZZ_LIBS)

$(addprefix $(BUILD)/fuzz/,$(FUZZ_ENGINE_TARGETS)): \
		$(patsubst %.c,$(FUZZ_OBJDIR)/%.o,$(FUZZ_ENGINE_SRCS))
$(addprefix $(BUILD)/fuzz-replay/,$(FUZZ_ENGINE_TARGETS)): \
		$(patsubst %.c,$(REPLAY_OBJDIR)/%.o,$(FUZZ_ENGINE_SRCS))
$(addprefix $(BUILD)/fuzz/,$(FUZZ_ENGINE_TARGETS)) \
$(addprefix $(BUILD)/fuzz-replay/,$(FUZZ_ENGINE_TARGETS)): FUZZ_LIBS := $(FUZZ_ENGINE_LIBS)

# the server sources are known only once the whole Makefile is read
.SECONDEXPANSION:
$(addprefix $(BUILD)/fuzz/,$(FUZZ_SERVER_TARGETS)): \
		$$(patsubst %.c,$(FUZZ_OBJDIR)/%.o,$$(FUZZ_SERVER_SRCS))
$(addprefix $(BUILD)/fuzz-replay/,$(FUZZ_SERVER_TARGETS)): \
		$$(patsubst %.c,$(REPLAY_OBJDIR)/%.o,$$(FUZZ_SERVER_SRCS))
$(addprefix $(BUILD)/fuzz/,$(FUZZ_SERVER_TARGETS)) \
$(addprefix $(BUILD)/fuzz-replay/,$(FUZZ_SERVER_TARGETS)): FUZZ_LIBS := $(FUZZ_SERVER_LIBS)

$(REPLAY_OBJDIR)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Ifuzz -Ireference_server -c -o $@ $<

$(REPLAY_BINS): $(BUILD)/fuzz-replay/%: $(REPLAY_OBJDIR)/fuzz/%.o \
		$(REPLAY_OBJDIR)/fuzz/standalone_main.o \
		$(patsubst %.c,$(REPLAY_OBJDIR)/%.o,$(FUZZ_PROTO_SRCS))
	$(CC) $(LDFLAGS) -o $@ $^ $(FUZZ_LIBS)

fuzz-replay: $(REPLAY_BINS)
	@for t in $(FUZZ_ALL_TARGETS); do \
		dirs=fuzz/corpus/$$t; \
		if [ -d fuzz/regress/$$t ]; then dirs="$$dirs fuzz/regress/$$t"; fi; \
		$(BUILD)/fuzz-replay/$$t $$dirs || exit 1; \
	done

fuzz-replay-test:
	$(MAKE) BUILD=$(BUILD)/asan SANITIZE=address,undefined fuzz-replay

fuzz-run: $(BUILD)/fuzz/$(T)
	@mkdir -p $(BUILD)/fuzz/corpus/$(T) $(BUILD)/fuzz/artifacts/$(T)
	$(BUILD)/fuzz/$(T) -max_total_time=$(SECONDS) \
		-dict=fuzz/dict/$(word 2,$(subst _, ,$(T))).dict \
		$$(sed -n 's/^max_len *= *\([0-9][0-9]*\).*/-max_len=\1/p' fuzz/$(T).options) \
		-artifact_prefix=$(BUILD)/fuzz/artifacts/$(T)/ $(FUZZ_ARGS) \
		$(BUILD)/fuzz/corpus/$(T) fuzz/corpus/$(T)

fuzz-smoke: $(FUZZ_BINS)
	@for t in $(FUZZ_ALL_TARGETS); do \
		echo "fuzz-smoke: $$t ($(SMOKE_SECONDS) s)"; \
		$(MAKE) --no-print-directory fuzz-run T=$$t SECONDS=$(SMOKE_SECONDS) \
			FUZZ_ARGS="-print_final_stats=1 $(FUZZ_ARGS)" >$(BUILD)/fuzz/smoke-$$t.log 2>&1 \
			|| { tail -n 60 $(BUILD)/fuzz/smoke-$$t.log; echo "fuzz-smoke: $$t FAILED"; exit 1; }; \
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec)|DONE' \
			$(BUILD)/fuzz/smoke-$$t.log | tr '\n' ' '; echo; \
	done

fuzz-coverage:
	BUILD=$(BUILD) sh fuzz/coverage.sh $(T_COVERAGE)

-include $(shell find $(BUILD)/fuzz/obj $(BUILD)/fuzz-replay/obj -name '*.d' 2>/dev/null)
# ==== end of fuzz section ====================================================

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ==== server (section owned by reference_server/) ===========================
#   make $(BUILD)/bin/mailspec-server   the bundled reference server (epoll loop,
#                                       buffered I/O with TLS, durable store,
#                                       SMTP and submission sessions)
SERVER_SRCS := \
	reference_server/main.c \
	reference_server/loop.c \
	reference_server/io.c \
	reference_server/io_tls.c \
	reference_server/tls.c \
	reference_server/conn.c \
	reference_server/listener.c \
	reference_server/protocols.c \
	reference_server/users.c \
	reference_server/sasl.c \
	reference_server/store.c \
	reference_server/store_flags.c \
	reference_server/store_spool.c \
	reference_server/store_textual.c \
	reference_server/store_mailbox.c \
	reference_server/store_folders.c \
	reference_server/smtp_session.c \
	reference_server/smtp_cmds.c \
	reference_server/smtp_envelope.c \
	reference_server/smtp_body.c \
	reference_server/smtp_auth.c \
	reference_server/pop3_session.c \
	reference_server/pop3_auth.c \
	reference_server/pop3_cmds.c \
	reference_server/pop3_body.c \
	reference_server/imap_session.c \
	reference_server/imap_reply.c \
	reference_server/imap_auth.c \
	reference_server/imap_mailbox.c \
	reference_server/imap_subs.c \
	reference_server/imap_list.c \
	reference_server/imap_append.c \
	reference_server/imap_select.c \
	reference_server/imap_view.c \
	reference_server/imap_idle.c \
	reference_server/imap_name.c \
	reference_server/imap_fetch.c \
	reference_server/imap_fetch_items.c \
	reference_server/imap_fetch_msg.c \
	reference_server/imap_search.c \
	reference_server/imap_search_parse.c \
	reference_server/imap_search_match.c \
	reference_server/imap_store_cmd.c \
	reference_server/imap_copy.c

SERVER_OBJS := $(call obj,$(SERVER_SRCS))

$(BUILD)/bin/mailspec-server: $(SERVER_OBJS) $(BUILD)/lib/libmailspec-proto.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# reference_server/test_<name>.c: C unit tests of the store, users and SASL,
# built by unit-tests into $(BUILD)/tests/ and run by tests/test_unit.py
SERVER_UNIT_TESTS := \
	test_store \
	test_users

SERVER_UNIT_OBJS := $(call obj,$(filter reference_server/store% reference_server/users.c \
	reference_server/sasl.c,$(SERVER_SRCS)))

$(addprefix $(BUILD)/tests/,$(SERVER_UNIT_TESTS)): $(BUILD)/tests/%: $(BUILD)/obj/reference_server/%.o $(SERVER_UNIT_OBJS) $(BUILD)/lib/libmailspec-proto.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

unit-tests: $(addprefix $(BUILD)/tests/,$(SERVER_UNIT_TESTS))
# ==== end of server section ==================================================

# ==== bench (section owned by bench/) ========================================
#   make bench         build $(BUILD)/bench/mime_bench (links GMime, Debian's
#                      libgmime-3.0-dev) and run it on scenarios/fixtures and a
#                      generated corpus: MB/s of mailspec's MIME parser and of
#                      GMime, and their ratio (bench/README.md). BENCH_ARGS: more
#                      flags (--seconds S --max-iter N --synthetic-mb M).
#   make bench-build   only build it. make test runs no benchmark.
BENCH_CFLAGS = $(shell pkg-config --cflags gmime-3.0 | sed 's/-I/-isystem /g')
BENCH_LIBS   = $(shell pkg-config --libs gmime-3.0)
BENCH_ARGS  ?=

.PHONY: bench bench-build
bench-build: $(BUILD)/bench/mime_bench

$(BUILD)/bench/mime_bench: bench/mime_bench.c $(BUILD)/lib/libmailspec-proto.a
	@pkg-config --exists gmime-3.0 || { echo "make bench needs GMime:" \
		"apt-get install libgmime-3.0-dev (or sh tests/deps.sh)"; exit 1; }
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(BENCH_CFLAGS) $(LDFLAGS) -o $@ bench/mime_bench.c \
		$(BUILD)/lib/libmailspec-proto.a $(BENCH_LIBS)

bench: bench-build
	$(BUILD)/bench/mime_bench $(BENCH_ARGS) scenarios/fixtures
# ==== end of bench section ===================================================
