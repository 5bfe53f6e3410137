// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/backends/vcache.h"

#define CACHE_FILE "impl-versions"
#define MAX_ENTRIES 64
#define LINE_LEN 1536

const char *wgl_vcache_dir(void)
{
	const char *d = getenv("WGLAB_CACHE_DIR");

	return d && *d ? d : "/var/cache/wglab";
}

/* Everything that changes when the file does, and its path last. */
static void key_of(const char *binary, const struct stat *st, char *key, size_t len)
{
	snprintf(key, len, "%llu %llu %lld %lld.%09ld %lld.%09ld %s",
		 (unsigned long long)st->st_dev, (unsigned long long)st->st_ino,
		 (long long)st->st_size, (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
		 (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec, binary);
}

/* A line is "KEY<tab>VERSION": a path or version with a tab or newline is not cached. */
static bool cacheable(const char *s)
{
	return !strpbrk(s, "\t\n");
}

bool wgl_vcache_get(const char *dir, const char *binary, const struct stat *st, char *out,
		    size_t len)
{
	char path[1024], key[LINE_LEN], line[LINE_LEN];
	size_t klen;
	bool hit = false;
	FILE *f;

	if (!cacheable(binary))
		return false;
	snprintf(path, sizeof(path), "%s/%s", dir, CACHE_FILE);
	f = fopen(path, "re");
	if (!f)
		return false;
	key_of(binary, st, key, sizeof(key));
	klen = strlen(key);
	while (!hit && fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || line[klen] != '\t')
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(out, len, "%s", line + klen + 1);
		hit = true;
	}
	fclose(f);
	return hit;
}

/* True if line (KEY<tab>...) is an entry of binary: the key ends with " " binary. */
static bool entry_of(const char *line, const char *binary)
{
	const char *tab = strchr(line, '\t');
	size_t n = strlen(binary);

	return tab && (size_t)(tab - line) > n && tab[-(long)n - 1] == ' ' &&
	       !strncmp(tab - n, binary, n);
}

/* The new entry first, then up to MAX_ENTRIES - 1 others of the old file. */
static int write_entries(FILE *out, const char *path, const char *binary, const char *entry)
{
	char line[LINE_LEN];
	FILE *old = fopen(path, "re");
	int kept = 1;

	fputs(entry, out);
	while (old && kept < MAX_ENTRIES && fgets(line, sizeof(line), old)) {
		if (!strchr(line, '\n') || entry_of(line, binary))
			continue;
		fputs(line, out);
		kept++;
	}
	if (old)
		fclose(old);
	return ferror(out) ? -EIO : 0;
}

void wgl_vcache_put(const char *dir, const char *binary, const struct stat *st,
		    const char *version)
{
	char path[1024], tmp[1100], key[LINE_LEN], entry[LINE_LEN + 256];
	FILE *out;
	int fd, err;

	if (!cacheable(binary) || !cacheable(version))
		return;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, CACHE_FILE);
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path);
	key_of(binary, st, key, sizeof(key));
	snprintf(entry, sizeof(entry), "%s\t%s\n", key, version);
	fd = mkstemp(tmp);
	if (fd < 0)
		return;
	out = fdopen(fd, "w");
	if (!out) {
		close(fd);
		unlink(tmp);
		return;
	}
	fchmod(fd, 0644);
	err = write_entries(out, path, binary, entry);
	/* Readers see the old file or the new one, never half of one. */
	if (fclose(out) != 0 || err < 0 || rename(tmp, path) < 0)
		unlink(tmp);
}
