# sbx: one non-recursive Makefile.  `make V=1` shows the commands.
VERSION     := 0.1.0
PREFIX      ?= /usr/local
DESTDIR     ?=
BINDIR      := $(PREFIX)/bin
LIBDIR      := $(PREFIX)/lib/sbx
# What make install ships of share/ goes in a directory of its own, which sbx never
# writes: with PREFIX=~/.local, share/sbx is $XDG_DATA_HOME/sbx, where sbx keeps your
# credentials, --keep homes, agents' tools and plugins.
DIST        := share/sbx/dist
DISTDIR     := $(PREFIX)/$(DIST)
# Every file make install wrote, one a line relative to PREFIX: what uninstall removes.
MANIFEST    := $(DIST)/manifest
BUILD       ?= build

CC          ?= cc
PKG_CONFIG  ?= pkg-config
# sbx links cJSON and nettle; libgit2 is linked only into the module sbx-git.so (lib/gitmod.h).
PKGS        := libgit2 libcjson nettle
OPT         ?= -O2 -g
SAN         ?=
WARN        := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes \
               -Wmissing-prototypes -Wpointer-arith -Wundef -Wvla -Wwrite-strings \
               -Wimplicit-fallthrough -Wcast-qual -Wold-style-definition
UNAME_S     := $(shell uname -s)
ifeq ($(UNAME_S),Darwin)
OSDEFS      := -D_DARWIN_C_SOURCE
else
OSDEFS      := -D_GNU_SOURCE
# The bwrap backend's seccomp filter (lib/seccomp.h).
PKGS        += libseccomp
SECCOMP_LIBS := $(shell $(PKG_CONFIG) --libs libseccomp)
endif
PKG_CFLAGS  := $(shell $(PKG_CONFIG) --cflags $(PKGS))
CJSON_LIBS  := $(shell $(PKG_CONFIG) --libs libcjson)
GIT_LIBS    := $(shell $(PKG_CONFIG) --libs libgit2)
# nettle's SHA-256 (lib/sha256.c, for `sbx trust`) comes from its static archive where
# there is one (Debian's nettle-dev, Homebrew): only those objects are linked in, and no
# shared library is mapped at every start. A shared libnettle made `sbx hook`, which never
# hashes, map one more library: 8 more page faults and 10% more start time (README
# "Configuration trust"). Its symbols stay out of what sbx exports to plugins.
NETTLE_A    := $(wildcard $(shell $(PKG_CONFIG) --variable=libdir nettle)/libnettle.a)
ifneq ($(NETTLE_A),)
NETTLE_LIBS := $(NETTLE_A)
ifneq ($(UNAME_S),Darwin)
NETTLE_LIBS += -Wl,--exclude-libs,libnettle.a
endif
else
NETTLE_LIBS := $(shell $(PKG_CONFIG) --libs nettle)
endif
# libgit2 built with mbedTLS parses the CA bundle at init: see lib/git.c.
ifneq ($(findstring mbedtls,$(shell $(PKG_CONFIG) --libs --static libgit2)),)
GIT_CFLAGS  := -DSBX_LIBGIT2_MBEDTLS
endif
ALL_CFLAGS   = -std=c17 $(WARN) $(OPT) $(SAN) $(OSDEFS) -Iinclude -iquote lib -iquote cmd $(PKG_CFLAGS) \
               -DSBX_VERSION='"$(VERSION)"' -DSBX_SRCDIR='"$(CURDIR)"' $(CFLAGS)
ALL_LDFLAGS  = $(SAN) $(LDFLAGS)
LIBS         = $(NETTLE_LIBS) $(CJSON_LIBS) $(SECCOMP_LIBS) -ldl -pthread $(LDLIBS)
ifeq ($(UNAME_S),Darwin)
EXPORT_DYNAMIC :=
MODULE_LDFLAGS := -bundle -undefined dynamic_lookup
else
# The module calls back into the core the executable holds.
EXPORT_DYNAMIC := -rdynamic
MODULE_LDFLAGS := -shared
endif

ifneq ($(V),1)
Q = @
say = @printf '  %-6s %s\n' $(1) $(2);
endif

# The names sbx answers to when invoked through a link (argv[0] dispatch).
LINKS       := sbx-run sbx-hook sbx-notify sbx-wt

LIB_SRC     := $(sort $(wildcard lib/*.c))
CMD_SRC     := $(sort $(wildcard cmd/*.c))
UNIT_SRC    := $(sort $(wildcard tests/unit/t-*.c))
LIB_OBJ     := $(LIB_SRC:%.c=$(BUILD)/%.o)
CMD_OBJ     := $(CMD_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/scripts.o
UNIT_BIN    := $(UNIT_SRC:%.c=$(BUILD)/%)
GIT_SRC     := $(sort $(wildcard lib/git/*.c))
GIT_OBJ     := $(GIT_SRC:%.c=$(BUILD)/%.o)
GITMOD      := $(BUILD)/sbx-git.so
# Plugins see include/sbx/plugin.h and nothing else of sbx.
PLUGIN_SRC  := $(sort $(wildcard plugins/*.c))
PLUGINS     := $(PLUGIN_SRC:plugins/%.c=$(BUILD)/plugins/%.so)
PLUGIN_CFLAGS = -std=c17 $(WARN) $(OPT) $(SAN) $(OSDEFS) -Iinclude -fPIC -fvisibility=hidden $(CFLAGS)
LIBSBX      := $(BUILD)/libsbx.a
# The commands without main(), so unit tests can call the dispatcher and option parser.
LIBCMD      := $(BUILD)/libsbxcmd.a
SBX         := $(BUILD)/sbx

.PHONY: all check unit-check cli-check asan fuzz bench install uninstall clean man FORCE
all: $(SBX) $(GITMOD) $(PLUGINS) $(UNIT_BIN) man

# The files with PREFIX's directories compiled in, rebuilt when PREFIX changes: the
# stamp is rewritten only then (as git does with GIT-CFLAGS).
PREFIX_OBJ  := $(BUILD)/lib/gitmod.o $(BUILD)/lib/plugin-path.o $(BUILD)/lib/lima-template.o \
               $(BUILD)/tests/unit/t-plugin-path
$(PREFIX_OBJ): ALL_CFLAGS += -DSBX_LIBDIR='"$(LIBDIR)"' -DSBX_DISTDIR='"$(DISTDIR)"'
$(PREFIX_OBJ): $(BUILD)/prefix
$(BUILD)/prefix: FORCE
	@mkdir -p $(dir $@)
	@echo '$(PREFIX)' | cmp -s - $@ || { echo '$(PREFIX)' >$@ && echo "  PREFIX $(PREFIX)"; }

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(LIBSBX): $(LIB_OBJ)
	$(call say,AR,$@)$(AR) rcs $@ $^

$(LIBCMD): $(filter-out $(BUILD)/cmd/main.o,$(CMD_OBJ))
	$(call say,AR,$@)$(AR) rcs $@ $^

# The shell scripts `sbx completion` and `sbx init` print, compiled in (cmd/scripts.h).
SCRIPTS     := completions/sbx.bash completions/sbx.zsh share/sbx-init.bash share/sbx-init.zsh
$(BUILD)/gen/scripts.c: $(SCRIPTS)
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)for f in $(SCRIPTS); do \
		printf 'const char sbx_embedded_%s[] =\n' "$$(echo $$f | tr -c 'A-Za-z0-9\n' _)"; \
		sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/"/' -e 's/$$/\\n"/' $$f; \
		echo ';'; \
	done >$@

$(BUILD)/gen/scripts.o: $(BUILD)/gen/scripts.c cmd/scripts.h
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) -include cmd/scripts.h -c -o $@ $<

$(SBX): $(CMD_OBJ) $(LIBSBX)
	$(call say,LINK,$@)$(CC) $(ALL_LDFLAGS) $(EXPORT_DYNAMIC) -o $@ $(CMD_OBJ) $(LIBSBX) $(LIBS)

$(GIT_OBJ): ALL_CFLAGS += -fPIC -fvisibility=hidden $(GIT_CFLAGS)
$(GITMOD): $(GIT_OBJ)
	$(call say,LINK,$@)$(CC) $(ALL_LDFLAGS) $(MODULE_LDFLAGS) -o $@ $(GIT_OBJ) $(GIT_LIBS)

# sbx loads no code from a directory or file that group or others can write.
$(BUILD)/plugins/%.so: plugins/%.c
	@mkdir -p $(dir $@) && chmod go-w $(dir $@)
	$(call say,CC,$<)$(CC) $(PLUGIN_CFLAGS) -MMD -MP $(ALL_LDFLAGS) $(MODULE_LDFLAGS) -o $@ $< && \
		chmod go-w $@

# Unit tests link the git module's objects in, rather than loading it.
$(BUILD)/tests/unit/%: tests/unit/%.c $(LIBCMD) $(LIBSBX) $(GIT_OBJ) tests/unit/tap.h
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(ALL_CFLAGS) -Wno-write-strings -iquote tests/unit $(ALL_LDFLAGS) -o $@ $< $(GIT_OBJ) $(LIBCMD) $(LIBSBX) $(GIT_LIBS) $(LIBS)

# The README's test command: every unit and CLI test, as TAP under prove.
check: all
	$(Q)prove $(UNIT_BIN)
	$(Q)SBX_BUILD=$(abspath $(BUILD)) prove --exec /bin/sh tests/cli/t*.sh

# The same suite under AddressSanitizer and UndefinedBehaviorSanitizer, in its own tree.
asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan OPT='-O1 -g -fno-omit-frame-pointer' \
		SAN='-fsanitize=address,undefined -fno-sanitize-recover=all' check

# Benchmarks (not tests): each bench/*.sh prints its own numbers.
bench: $(SBX) $(GITMOD)
	$(Q)for b in $(sort $(wildcard bench/*.sh)); do \
		[ "$$(basename $$b)" = lib.sh ] && continue; \
		SBX=$(abspath $(SBX)) bash $$b || exit 1; \
	done

# One libFuzzer harness per parser of outside input, each run briefly so none rots.
FUZZ_SRC    := $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_SECONDS ?= 20
fuzz:
	$(Q)$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang OPT='-O1 -g' \
		SAN='-fsanitize=fuzzer-no-link,address,undefined' $(BUILD:build=build-fuzz)/libsbx.a
	$(Q)for f in $(FUZZ_SRC); do \
		n=$$(basename $$f .c); \
		clang -std=c17 $(OSDEFS) -Iinclude -iquote lib $(PKG_CFLAGS) -O1 -g \
			-fsanitize=fuzzer,address,undefined -o build-fuzz/$$n $$f build-fuzz/libsbx.a $(LIBS) || exit 1; \
		mkdir -p build-fuzz/corpus-$$n; \
		build-fuzz/$$n -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
			build-fuzz/corpus-$$n tests/fuzz/corpus/$$n || exit 1; \
	done

# The manual, from its scdoc sources; skipped, with a message, where scdoc is missing.
SCDOC       ?= scdoc
MAN_SRC     := share/man/sbx.1.scd share/man/sbx.json.5.scd
MAN         := $(MAN_SRC:share/man/%.scd=$(BUILD)/man/%)
ifneq ($(shell command -v $(SCDOC) 2>/dev/null),)
man: $(MAN)
else
man:
	@echo "  SKIP   the man pages: $(SCDOC) is not installed (apt-get install scdoc)"
endif

$(BUILD)/man/%: share/man/%.scd
	@mkdir -p $(dir $@)
	$(call say,SCDOC,$@)$(SCDOC) <$< >$@.tmp && mv $@.tmp $@

BASHCOMPDIR := $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  := $(PREFIX)/share/zsh/site-functions
MANDIR      := $(PREFIX)/share/man

# What make install writes, "MODE SOURCE DEST" with DEST relative to PREFIX; the man
# pages only where scdoc built them.
SRC_FILES   = Makefile $(sort $(shell find cmd lib include plugins hooks completions share -type f))
install_list = \
	755 $(SBX) bin/sbx \
	755 $(GITMOD) lib/sbx/sbx-git.so \
	$(foreach p,$(PLUGINS),755 $(p) lib/sbx/plugins/$(notdir $(p))) \
	644 completions/sbx.bash share/bash-completion/completions/sbx \
	644 completions/sbx.zsh share/zsh/site-functions/_sbx \
	$(foreach m,$(MAN),644 $(m) share/man/man$(subst .,,$(suffix $(m)))/$(notdir $(m))) \
	$(foreach f,$(wildcard hooks/*.json hooks/*.toml),644 $(f) $(DIST)/hooks/$(notdir $(f))) \
	$(foreach f,$(wildcard share/*.sh share/sbx-init.*),644 $(f) $(DIST)/$(notdir $(f))) \
	$(foreach f,$(SRC_FILES),644 $(f) $(DIST)/src/$(f))

# rmdir_up DIR: DIR and the directories above it that are left empty, up to sbx's own.
RMDIR_UP = d=$$1; while [ "$$d" != '$(DESTDIR)$(PREFIX)/share' ] && [ "$$d" != '$(DESTDIR)$(PREFIX)/lib' ] && \
	rmdir "$$d" 2>/dev/null; do d=$${d%/*}; done

# Installs file by file and writes the manifest; removes what an earlier install's
# manifest names and this one does not. Nothing is removed by directory, so a PREFIX
# whose share/sbx holds sbx's data (~/.local) keeps it.
install: $(SBX) $(GITMOD) $(PLUGINS) man
	$(Q)set -e; list='$(BUILD)/install-manifest'; : >"$$list"; \
	set -- $(install_list); \
	while [ $$# -ge 3 ]; do \
		if [ -f "$$2" ]; then \
			dest='$(DESTDIR)$(PREFIX)'/"$$3"; \
			mkdir -p "$${dest%/*}"; \
			install -m "$$1" "$$2" "$$dest"; \
			echo "$$3" >>"$$list"; \
		fi; \
		shift 3; \
	done; \
	for l in $(LINKS); do \
		ln -sf sbx '$(DESTDIR)$(BINDIR)'/"$$l"; echo "bin/$$l" >>"$$list"; \
	done; \
	echo '$(MANIFEST)' >>"$$list"; \
	if [ -f '$(DESTDIR)$(PREFIX)/$(MANIFEST)' ]; then \
		sort -u '$(DESTDIR)$(PREFIX)/$(MANIFEST)' >"$$list.old"; sort -u "$$list" >"$$list.new"; \
		comm -23 "$$list.old" "$$list.new" | while IFS= read -r f; do \
			case $$f in '' | /* | ../* | */../* | *'/..') continue ;; esac; \
			rm -f '$(DESTDIR)$(PREFIX)'/"$$f"; set -- '$(DESTDIR)$(PREFIX)'/"$${f%/*}"; $(RMDIR_UP); \
		done; \
		rm -f "$$list.old" "$$list.new"; \
	fi; \
	install -m 644 "$$list" '$(DESTDIR)$(PREFIX)/$(MANIFEST)'

# Removes the files the manifest names (or, from an install older than manifests, the
# files this tree installs), then the directories of sbx's left empty; never a tree.
uninstall:
	$(Q)set -e; \
	if [ -f '$(DESTDIR)$(PREFIX)/$(MANIFEST)' ]; then \
		files=$$(cat '$(DESTDIR)$(PREFIX)/$(MANIFEST)'); \
	else \
		set -- $(install_list); files=; \
		while [ $$# -ge 3 ]; do files="$$files $$3"; shift 3; done; \
		files="$$files $(LINKS:%=bin/%)"; \
	fi; \
	for f in $$files; do \
		case $$f in '' | /* | ../* | */../* | *'/..') continue ;; esac; \
		rm -f '$(DESTDIR)$(PREFIX)'/"$$f"; \
		case $$f in lib/sbx/* | share/sbx/*) set -- '$(DESTDIR)$(PREFIX)'/"$${f%/*}"; $(RMDIR_UP) ;; esac; \
	done

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(GIT_OBJ:.o=.d) $(PLUGINS:.so=.d)
