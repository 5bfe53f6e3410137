/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The result model: plain structs for one run (schema "wglab-result/2",
 * documented in docs/result-schema.md). Everything a run reports is added
 * through the builder functions below, and every report (JSON, JUnit,
 * Markdown, HTML, tracker JSON, compare) reads these structs. JSON exists
 * only at the edge: wgl_result_save()/wgl_result_to_json() write result.json
 * and wgl_result_load() reads it back (schema 1 files too).
 *
 * Ownership: the run owns its cases, a case owns everything in it. Handles
 * returned by wgl_case_new() stay valid until wgl_result_free(). Every
 * string in the model is valid UTF-8: the builders replace invalid bytes
 * with U+FFFD, so a check detail quoting a peer's garbage is still kept.
 *
 * Run metadata: the facts every run has are typed fields. Free-form facts
 * that only some runs carry and no report reads (the kernel lab's "vm"
 * object, bench's "offloads") go into run->extra, a JSON object written
 * verbatim next to the typed fields: wgl_result_set_meta() keeps its
 * (run, key, json_t *) form, typing the keys it knows (command, seed, mtu).
 */
#ifndef WGL_RESULT_H
#define WGL_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

#include "base/stats.h" /* wgl_median() of the metrics */

#define WGL_RESULT_SCHEMA "wglab-result/2"
/* The previous schema, still read: backends and family sat in params. */
#define WGL_RESULT_SCHEMA_V1 "wglab-result/1"

enum wgl_verdict { WGL_PASS, WGL_FAIL, WGL_SKIP, WGL_ERROR };

/* Which direction of a metric is an improvement; NONE = informational. */
enum wgl_better { WGL_BETTER_NONE, WGL_BETTER_HIGHER, WGL_BETTER_LOWER };

struct wgl_check {
	char *name;
	bool ok;
	char *detail;
};

/* A metric measured n times. Statistics cover the finite values only. */
struct wgl_metric {
	char *name;
	char *unit;
	double *values;         /* finite values, in the order measured */
	size_t n;
	double median, min, max; /* NAN when there is no value */
	size_t dropped;          /* non-finite values passed in and left out */
	enum wgl_better better;
};

struct wgl_artifact {
	char *kind;             /* pcap, log, keylog, iperf-json, handshake_times, ... */
	char *path;
};

/*
 * A parameter of a case outside its identity: scenario params, -D values,
 * bench options. value is the text of a string, or the JSON literal of
 * anything else (4, true, {"tso": true}), so nothing is lost.
 */
struct wgl_param {
	char *key;
	char *value;
	bool is_string;
};

/* The matrix coordinates of a case, given to wgl_case_new(); any may be NULL. */
struct wgl_case_ident {
	const char *backend_a;  /* the backend of a single-backend case */
	const char *backend_b;  /* NULL for single-backend cases */
	const char *family;     /* "ipv4", "ipv6" */
};

/* Which implementation served a node of a case (one entry per node and implementation). */
struct wgl_case_node {
	char *node;             /* the node's label: "a", "b", "client", ... */
	char *impl;             /* the implementation's name: a backend or an --impl name */
	char *binary, *version; /* may be NULL */
};

/*
 * What a host spent while a case ran (runs with remote nodes: the node's
 * agent counters at the case's start and before its pair was torn down).
 * The host-wide shares count everything the host did, the iperf endpoints
 * too; kernel WireGuard's work shows only there (system + irq + softirq).
 */
struct wgl_case_host {
	char *node;             /* the node's label: "a", "b" */
	double wall_s;          /* between the two samples */
	double cpus;            /* CPUs the host's counters cover */
	double busy_pct;        /* host-wide busy time, % of all its CPUs */
	double kernel_pct;      /* host-wide system + irq + softirq, % of all its CPUs */
	double daemon_cpu_s;    /* the userspace WireGuard daemon's CPU seconds; NAN: none */
	double daemon_max_rss;  /* its peak resident memory, bytes; NAN: none */
	double mem_available;   /* the host's available memory at the end, bytes; NAN: unknown */
};

struct wgl_case {
	/* identity: (scenario, name) is unique within a run */
	char *scenario;
	char *name;
	char *backend_a, *backend_b, *family; /* NULL when not applicable */
	struct wgl_param *params;
	size_t nparams;
	/* outcome */
	enum wgl_verdict verdict;
	char *message;          /* why it did not pass, or NULL */
	double duration_s;
	/*
	 * When the case ran, wall clock (Unix epoch seconds); 0 when not
	 * recorded. Concurrent runs (--jobs) show from these which cases overlapped.
	 */
	double started_at, ended_at;
	struct wgl_check *checks;
	size_t nchecks;
	struct wgl_metric *metrics; /* names unique within the case */
	size_t nmetrics;
	struct wgl_artifact *artifacts;
	size_t nartifacts;
	struct wgl_case_node *nodes;
	size_t nnodes;
	struct wgl_case_host *hosts;    /* runs with remote nodes only */
	size_t nhosts;
	/*
	 * Merged runs only (wglab merge): the index into run->sources of the
	 * source this result came from (-1 otherwise), and the same case's
	 * results from the other sources (each with its own source), owned.
	 */
	long source;
	struct wgl_case **also;
	size_t nalso;
};

/*
 * One run a merged run was made from. label names its environment
 * ("native", "lab"): the shards of one environment share a label, and the
 * headline comparison groups figures by it.
 */
struct wgl_source {
	char *label;
	char *id, *path, *started, *finished;
	char *host, *kernel, *arch, *cpu_model, *wglab_version, *command;
	char *shard;            /* "I/N" of a sharded run, or NULL */
	long cores;
	bool emulated;
};

struct wgl_impl {
	char *backend;
	char *command, *binary, *version; /* each may be NULL */
};

/*
 * An A/B comparison of one metric (wglab run --impl A=... --impl B=...): the
 * A:A and B:B cases of a scenario and family ran interleaved, and round i
 * measured a[i] on A and b[i] on B (NaN: not measured in that round). The
 * statistics (base/stats.h wgl_paired_compare) are derived from the pairs.
 */
struct wgl_comparison {
	char *scenario, *family, *metric, *unit;
	char *impl_a, *impl_b;
	char *case_a, *case_b;
	enum wgl_better better;
	double confidence;      /* the interval's level asked for; 0: 0.95 */
	double *a, *b;
	size_t n;
};

/* A --gate and its outcome. */
struct wgl_gate {
	char *gate;             /* as given: "tcp_throughput<-5%" */
	enum wgl_verdict verdict; /* fail: tripped; skip: nothing to compare */
	char *detail;
};

struct wgl_run_summary {
	long total, passed, failed, skipped, errors;
};

struct wgl_run {
	char *id;               /* YYYYMMDDTHHMMSSZ-PID */
	char *started;
	char *finished;         /* NULL until wgl_result_finish() */
	char *host, *kernel, *arch;
	char *cpu_model;        /* may be NULL */
	long cores;
	char *wglab_version;
	char *command;          /* "run", "bench", or NULL */
	bool has_seed;
	long long seed;
	long mtu;               /* underlay MTU, 0 = not recorded */
	bool emulated;          /* measured inside the kernel lab (qemu) */
	/*
	 * Still running or stopped before its end: the cases are those finished
	 * so far. Set by the runner while it saves result.json after each case,
	 * cleared by wgl_result_finish(). Written as "complete": false.
	 */
	bool incomplete;
	struct wgl_impl *impls;
	size_t nimpls;
	struct wgl_case **cases; /* in the order they ran */
	size_t ncases;
	struct wgl_comparison *comparisons; /* A/B runs only */
	size_t ncomparisons;
	struct wgl_gate *gates; /* runs with --gate only */
	size_t ngates;
	struct wgl_source *sources; /* merged runs only: what was merged, in order */
	size_t nsources;
	struct wgl_run_summary summary; /* kept current by wgl_result_finish() and the loader */
	json_t *extra;          /* other metadata (vm, offloads, ...), an object, never NULL */
};

/* New run with metadata (host, kernel, CPU, cores, wglab version, time). NULL + errno. */
struct wgl_run *wgl_result_new(void);
/* Frees the run and everything in it; NULL is fine. */
void wgl_result_free(struct wgl_run *run);
/*
 * Run metadata key = value (value is stolen). "command" (string), "seed"
 * (integer or null) and "mtu" (integer) fill the typed fields; any other
 * key goes into run->extra.
 */
void wgl_result_set_meta(struct wgl_run *run, const char *key, json_t *value);
/* True if key was set (typed field or extra). */
bool wgl_result_has_meta(const struct wgl_run *run, const char *key);
/*
 * Records an implementation that ran: { backend, command, binary, version }.
 * Calling again with the same values is a no-op.
 */
void wgl_result_add_impl(struct wgl_run *run, const char *backend, const char *command,
			 const char *binary, const char *version);

/* Records that impl (binary, version) served node in c; repeating an entry is a no-op. */
void wgl_case_node(struct wgl_case *c, const char *node, const char *impl, const char *binary,
		   const char *version);
/* Records (or replaces) what host h->node spent during c; strings copied. 0 or -ENOMEM. */
int wgl_case_host(struct wgl_case *c, const struct wgl_case_host *h);
/* Appends a copy of cmp (strings and pairs copied). 0 or -ENOMEM. */
int wgl_result_add_comparison(struct wgl_run *run, const struct wgl_comparison *cmp);
/* Appends a gate's outcome. 0 or -ENOMEM. */
int wgl_result_add_gate(struct wgl_run *run, const char *gate, enum wgl_verdict v,
			const char *detail);

/* Appends a case; id may be NULL. Verdict starts as pass. NULL + errno. */
struct wgl_case *wgl_case_new(struct wgl_run *run, const char *scenario, const char *name,
			      const struct wgl_case_ident *id);
/*
 * A case outside any run (for wgl_case_add_also()); free it with
 * wgl_case_free() unless it was handed over. NULL + errno.
 */
struct wgl_case *wgl_case_alloc(const char *scenario, const char *name,
				const struct wgl_case_ident *id);
void wgl_case_free(struct wgl_case *c);
/* Hands other (a result of the same case from another source) over to c. 0 or -ENOMEM. */
int wgl_case_add_also(struct wgl_case *c, struct wgl_case *other);
/* Appends a copy of src to run->sources; its index, or -ENOMEM. */
long wgl_result_add_source(struct wgl_run *run, const struct wgl_source *src);

/* Adds (or replaces) a parameter; value is a string's text or a JSON literal. */
int wgl_case_param(struct wgl_case *c, const char *key, const char *value, bool is_string);
/*
 * Adds every member of a JSON object as a parameter (NULL is fine). Keys
 * of the identity (scenario, name, backend, backend_a, backend_b, family)
 * are skipped: they live in the typed fields.
 */
int wgl_case_params_json(struct wgl_case *c, const json_t *params);
/* The parameter key, or NULL. */
const struct wgl_param *wgl_case_get_param(const struct wgl_case *c, const char *key);
/* Final verdict; message may be NULL. A later FAIL/ERROR never turns into PASS. */
void wgl_case_verdict(struct wgl_case *c, enum wgl_verdict v, const char *message);
/* One assertion: name, outcome, human detail. A failed check fails the case. */
void wgl_case_check(struct wgl_case *c, const char *name, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * A metric measured n times (n >= 1): stores values, median, min, max.
 * better is "higher", "lower" or NULL (informational, never a regression).
 * A metric of the same name replaces the earlier one.
 */
void wgl_case_metric(struct wgl_case *c, const char *name, const char *unit,
		     const double *values, size_t n, const char *better);
void wgl_case_artifact(struct wgl_case *c, const char *kind, const char *path);
void wgl_case_duration(struct wgl_case *c, double seconds);
/* When the case started and ended (Unix epoch seconds, wall clock). */
void wgl_case_times(struct wgl_case *c, double started_at, double ended_at);
enum wgl_verdict wgl_case_get_verdict(const struct wgl_case *c);
/* "pass", "fail", "skip" or "error". */
const char *wgl_verdict_name(enum wgl_verdict v);
/* "higher", "lower" or NULL. */
const char *wgl_better_name(enum wgl_better b);

/* Recomputes run->summary, sets run->finished to now and clears run->incomplete. */
void wgl_result_finish(struct wgl_run *run);
/* Recomputes run->summary from the cases' verdicts. */
void wgl_result_count(struct wgl_run *run);

/* The run as a "wglab-result/2" document (new reference); NULL on ENOMEM. */
json_t *wgl_result_to_json(const struct wgl_run *run);
/* Writes result.json's content to f. 0 or -errno. */
int wgl_result_save(const struct wgl_run *run, FILE *f);
/*
 * Loads and checks a result.json ("wglab-result/2", or "/1" whose
 * backend_a/backend_b/backend/family params become the typed identity). On
 * error returns NULL and puts one line into err naming the file and the
 * problem ("FILE:LINE:COL: jansson's message", or the field that is wrong).
 */
struct wgl_run *wgl_result_load(const char *path, char *err, size_t errlen);

#endif
