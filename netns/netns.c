// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Namespaces held by fd. wglab is single-threaded, so entering a namespace
 * with setns() and coming back is how sockets get opened inside one.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "base/child.h"
#include "base/log.h"
#include "netns/netns.h"
#include "netns/owner.h"

#define MAX_NS 1024

static int home_fd = -1;        /* the namespace wglab started in */
static struct wgl_ns *live[MAX_NS];
/* Paths bind-mounted under /run/netns; fixed storage so the signal handler can use them. */
static char visible_path[MAX_NS][96];
static char owner_path[MAX_NS][96];     /* their owner markers (netns/owner.c) */
static unsigned int ns_counter;
static bool all_visible;

void wgl_ns_set_all_visible(bool visible)
{
	all_visible = visible;
}

int wgl_nl_errno(int nlerr)
{
	static const struct { int nle, err; } map[] = {
		{ NLE_EXIST, EEXIST }, { NLE_NODEV, ENODEV }, { NLE_OBJ_NOTFOUND, ENOENT },
		{ NLE_PERM, EPERM }, { NLE_INVAL, EINVAL }, { NLE_NOMEM, ENOMEM },
		{ NLE_OPNOTSUPP, EOPNOTSUPP }, { NLE_BUSY, EBUSY }, { NLE_AGAIN, EAGAIN },
		{ NLE_RANGE, ERANGE }, { NLE_NOADDR, EADDRNOTAVAIL }, { NLE_AF_NOSUPPORT, EAFNOSUPPORT },
		{ NLE_NOACCESS, EACCES }, { NLE_INTR, EINTR }, { NLE_MSGSIZE, EMSGSIZE },
		{ NLE_DUMP_INTR, EINTR }, { NLE_BAD_SOCK, EBADF }, { NLE_PROTO_MISMATCH, EPROTONOSUPPORT },
	};
	int n = nlerr < 0 ? -nlerr : nlerr;

	if (!n)
		return 0;
	for (size_t i = 0; i < WGL_ARRAY_SIZE(map); i++)
		if (map[i].nle == n)
			return -map[i].err;
	return -EIO;
}

static int home(void)
{
	if (home_fd < 0)
		home_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	return home_fd;
}

int wgl_ns_enter(const struct wgl_ns *ns)
{
	if (home() < 0)
		return -errno;
	return setns(ns->fd, CLONE_NEWNET) < 0 ? -errno : 0;
}

int wgl_ns_leave(void)
{
	if (home() < 0)
		return -errno;
	return setns(home_fd, CLONE_NEWNET) < 0 ? -errno : 0;
}

int wgl_ns_socket(const struct wgl_ns *ns, int domain, int type, int protocol)
{
	int fd, ret = wgl_ns_enter(ns);

	if (ret < 0)
		return ret;
	fd = socket(domain, type | SOCK_CLOEXEC, protocol);
	ret = fd < 0 ? -errno : fd;
	wgl_ns_leave();
	return ret;
}

/* Async-signal-safe: only syscalls on fixed storage. */
static void unmount_visible(void)
{
	for (int i = 0; i < MAX_NS; i++) {
		if (!visible_path[i][0])
			continue;
		umount2(visible_path[i], MNT_DETACH);
		unlink(visible_path[i]);
		visible_path[i][0] = '\0';
		unlink(owner_path[i]);
		owner_path[i][0] = '\0';
	}
}

static int slot_of(const struct wgl_ns *ns)
{
	for (int i = 0; i < MAX_NS; i++)
		if (live[i] == ns)
			return i;
	return -1;
}

static int make_visible(struct wgl_ns *ns, int slot)
{
	char *path = visible_path[slot];
	int fd, err;

	/* The marker first: a namespace under /run/netns without one is never a live run's. */
	err = wgl_ns_owner_mark(ns->name, owner_path[slot], sizeof(owner_path[slot]));
	if (err < 0) {
		owner_path[slot][0] = '\0';
		return err;
	}
	mkdir("/run/netns", 0755);
	snprintf(path, sizeof(visible_path[slot]), "/run/netns/%s", ns->name);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0) {
		err = -errno;
		goto err_create;
	}
	close(fd);
	if (mount("/proc/thread-self/ns/net", path, "none", MS_BIND, NULL) < 0) {
		err = -errno;
		unlink(path);
		goto err_create;
	}
	ns->visible = true;
	wgl_created("netns-owner-marker", owner_path[slot]);
	return 0;
err_create:
	path[0] = '\0';
	unlink(owner_path[slot]);
	owner_path[slot][0] = '\0';
	return err;
}

/*
 * Writes a sysctl of the namespace the calling thread is in (/proc/sys/net
 * follows the opener's network namespace). Best effort: a kernel without
 * IPv6 simply has no such file.
 */
static void sysctl_here(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (write(fd, value, strlen(value)) < 0)
		wgl_dbg("sysctl %s: %s", path, strerror(errno));
	close(fd);
}

/* Runs inside the new namespace: bring loopback up, open the route socket. */
static int init_inside(struct wgl_ns *ns)
{
	int err;

	/*
	 * No duplicate address detection on any link, link-local included:
	 * a tentative link-local address delays the first neighbour discovery
	 * by a second, which would show up as connect latency.
	 */
	sysctl_here("/proc/sys/net/ipv6/conf/all/accept_dad", "0");
	sysctl_here("/proc/sys/net/ipv6/conf/default/accept_dad", "0");

	ns->rt = nl_socket_alloc();
	if (!ns->rt)
		return -ENOMEM;
	err = nl_connect(ns->rt, NETLINK_ROUTE);
	if (err < 0)
		return wgl_nl_errno(err);
	return wgl_link_set_up(ns, "lo", true);
}

static int register_ns(struct wgl_ns *ns)
{
	for (int i = 0; i < MAX_NS; i++) {
		if (!live[i]) {
			live[i] = ns;
			wgl_cleanup_register(unmount_visible);
			return i;
		}
	}
	return -ENOSPC;
}

struct wgl_ns *wgl_ns_new(const char *label, bool visible)
{
	struct wgl_ns *ns = calloc(1, sizeof(*ns));
	int err, slot;

	if (!ns || home() < 0)
		goto err_alloc;
	ns->fd = -1;
	snprintf(ns->label, sizeof(ns->label), "%s", label);
	snprintf(ns->name, sizeof(ns->name), "wglab-%d-%u-%s", (int)getpid(), ns_counter++, label);
	slot = register_ns(ns);
	if (slot < 0) {
		errno = -slot;
		goto err_alloc;
	}
	if (unshare(CLONE_NEWNET) < 0)
		goto err_unshare;
	ns->fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	err = ns->fd < 0 ? -errno : init_inside(ns);
	if (!err && (visible || all_visible))
		err = make_visible(ns, slot);
	wgl_ns_leave();
	if (err < 0) {
		errno = -err;
		goto err_unshare;
	}
	wgl_created("netns", ns->name);
	return ns;

err_unshare:
	err = errno;
	live[slot] = NULL;
	if (ns->rt)
		nl_socket_free(ns->rt);
	if (ns->fd >= 0)
		close(ns->fd);
	errno = err;
err_alloc:
	free(ns);
	return NULL;
}

struct wgl_ns *wgl_ns_here(const char *label)
{
	struct wgl_ns *ns = calloc(1, sizeof(*ns));
	int err;

	if (!ns)
		return NULL;
	snprintf(ns->label, sizeof(ns->label), "%s", label);
	snprintf(ns->name, sizeof(ns->name), "wglab-%d-here-%s", (int)getpid(), label);
	ns->fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	ns->rt = nl_socket_alloc();
	err = ns->fd < 0 ? -errno : !ns->rt ? -ENOMEM : wgl_nl_errno(nl_connect(ns->rt, NETLINK_ROUTE));
	if (err < 0) {
		if (ns->rt)
			nl_socket_free(ns->rt);
		if (ns->fd >= 0)
			close(ns->fd);
		free(ns);
		errno = -err;
		return NULL;
	}
	wgl_created("netns", ns->name);
	return ns;
}

void wgl_ns_free(struct wgl_ns *ns)
{
	int slot;

	if (!ns)
		return;
	slot = slot_of(ns);
	if (slot >= 0) {
		if (visible_path[slot][0]) {
			umount2(visible_path[slot], MNT_DETACH);
			unlink(visible_path[slot]);
			visible_path[slot][0] = '\0';
			unlink(owner_path[slot]);
			wgl_destroyed("netns-owner-marker", owner_path[slot]);
			owner_path[slot][0] = '\0';
		}
		live[slot] = NULL;
	}
	if (ns->rt)
		nl_socket_free(ns->rt);
	close(ns->fd);
	/* Links made from this namespace go with it (a veth takes its peer along). */
	for (; ns->links > 0; ns->links--)
		wgl_destroyed("link", ns->label);
	wgl_destroyed("netns", ns->name);
	free(ns);
}
