// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Owners of visible namespaces, and the removal of those whose owner died.
 *
 * A namespace bind-mounted under /run/netns outlives a wglab that was killed
 * before its cleanup ran (SIGKILL, OOM killer, power to the process cut):
 * the mount holds it, with its veths and addresses. So each one gets a
 * marker, WGL_NS_OWNER_DIR/<name>, holding the owner's pid and its start
 * time (field 22 of /proc/PID/stat, in clock ticks since boot). The owner is
 * alive exactly when a process with that pid runs and started at that time:
 * a recycled pid has another start time. The marker is written before the
 * mount and removed after it, so a live namespace always has one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "netns/netns.h"
#include "netns/owner.h"

#define NETNS_DIR "/run/netns"

/* Start time of pid (/proc/PID/stat field 22), or 0 when no such process runs. */
static unsigned long long proc_start(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* comm (field 2) may hold spaces and parentheses: count from the last ')' */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
			 "%*d %*d %*d %*d %llu", &start) != 1)
		return 0;
	return start;
}

int wgl_ns_owner_mark(const char *name, char *path, size_t len)
{
	char line[64];
	int fd, n, err = 0;

	mkdir("/run/wglab", 0755);
	mkdir(WGL_NS_OWNER_DIR, 0755);
	if ((size_t)snprintf(path, len, "%s/%s", WGL_NS_OWNER_DIR, name) >= len)
		return -ENAMETOOLONG;
	n = snprintf(line, sizeof(line), "%ld %llu\n", (long)getpid(), proc_start(getpid()));
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, line, (size_t)n) != n)
		err = errno ? -errno : -EIO;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (err)
		unlink(path);
	return err;
}

/*
 * True when the owner of namespace name is gone. Without a marker (a
 * namespace made by a wglab from before markers) the pid in the name,
 * wglab-<pid>-..., decides, and only its absence counts as dead: a running
 * process of that pid may be a reused one, or the owner, and is left alone.
 */
static bool owner_dead(const char *name, long *pid_out)
{
	char path[512], line[64] = "";
	unsigned long long start;
	long pid;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", WGL_NS_OWNER_DIR, name);
	f = fopen(path, "re");
	if (f) {
		bool ok = fgets(line, sizeof(line), f) && sscanf(line, "%ld %llu", &pid, &start) == 2;

		fclose(f);
		if (ok && pid > 0) {
			*pid_out = pid;
			return proc_start(pid) != start;
		}
	}
	if (sscanf(name, "wglab-%ld-", &pid) != 1 || pid <= 0)
		return false;
	*pid_out = pid;
	return kill((pid_t)pid, 0) < 0 && errno == ESRCH;
}

/* Unmounts and removes one leftover namespace and its marker. 0 or -errno. */
static int remove_leftover(const char *name)
{
	char path[512], marker[512];

	snprintf(path, sizeof(path), "%s/%s", NETNS_DIR, name);
	snprintf(marker, sizeof(marker), "%s/%s", WGL_NS_OWNER_DIR, name);
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
		return -errno;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	unlink(marker);
	return 0;
}

/* Markers whose namespace is gone and whose owner died (killed between the two steps). */
static void remove_orphan_markers(void)
{
	DIR *d = opendir(WGL_NS_OWNER_DIR);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[512];
		long pid;

		if (strncmp(e->d_name, "wglab-", 6))
			continue;
		snprintf(path, sizeof(path), "%s/%s", NETNS_DIR, e->d_name);
		if (access(path, F_OK) == 0 || !owner_dead(e->d_name, &pid))
			continue;
		snprintf(path, sizeof(path), "%s/%s", WGL_NS_OWNER_DIR, e->d_name);
		unlink(path);
	}
	closedir(d);
}

int wgl_ns_cleanup_stale(bool verbose)
{
	DIR *d = opendir(NETNS_DIR);
	struct dirent *e;
	int removed = 0, err;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		long pid = 0;

		if (strncmp(e->d_name, "wglab-", 6) || !owner_dead(e->d_name, &pid))
			continue;
		err = remove_leftover(e->d_name);
		if (err < 0) {
			wgl_err("cleanup: cannot remove %s/%s: %s", NETNS_DIR, e->d_name,
				strerror(-err));
			continue;
		}
		removed++;
		if (verbose)
			printf("removed %s/%s (its wglab, pid %ld, is gone)\n", NETNS_DIR,
			       e->d_name, pid);
	}
	closedir(d);
	remove_orphan_markers();
	if (removed && !verbose)
		wgl_info("removed %d namespaces left under %s by wglab runs that were killed",
			 removed, NETNS_DIR);
	return removed;
}
