/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Subcommands of the wglab binary and the table-driven option parser they
 * share. Exit codes: 0 success, 1 a verdict failed / regression found,
 * 2 usage error (bad flag, bad value, bad input file), 77 nothing could run.
 */
#ifndef WGL_CLI_H
#define WGL_CLI_H

#include <stdbool.h>

#define WGL_EXIT_OK 0
#define WGL_EXIT_FAIL 1
#define WGL_EXIT_USAGE 2
#define WGL_EXIT_SKIP 77

struct wgl_opt {
	const char *name;      /* long name without "--" */
	char short_name;       /* 0: none */
	bool has_arg;
	/*
	 * Returns 0, or -EINVAL (-ERANGE: a number out of range) after which the
	 * parser reports the flag and value.
	 */
	int (*handle)(void *ctx, const char *arg);
	const char *help;
};

/*
 * Parses argv[1..] (argv[0] is the subcommand name) against table. Options
 * may come before or after positionals; "--" ends options (the rest are
 * positionals). Positionals are compacted into argv[1..*npos]. On error it
 * prints one line "wglab CMD: ..." naming the flag and returns -EINVAL.
 */
int wgl_opts_parse(const struct wgl_opt *table, void *ctx, int argc, char **argv, int *npos);
void wgl_opts_usage(const char *cmd, const char *synopsis, const struct wgl_opt *table);

int wgl_cmd_run(int argc, char **argv);
int wgl_cmd_doctor(int argc, char **argv);
int wgl_cmd_pcap(int argc, char **argv);
int wgl_cmd_compare(int argc, char **argv);
int wgl_cmd_report(int argc, char **argv);
int wgl_cmd_bench(int argc, char **argv);
int wgl_cmd_vm(int argc, char **argv);
int wgl_cmd_merge(int argc, char **argv);
int wgl_cmd_cleanup(int argc, char **argv);
int wgl_cmd_agent(int argc, char **argv);
int wgl_cmd_remote(int argc, char **argv);

#endif
