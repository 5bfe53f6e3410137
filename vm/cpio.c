// SPDX-License-Identifier: GPL-2.0-or-later
/* newc cpio writer for initramfs images; see cpio.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vm/cpio.h"

static int write_all(struct wgl_cpio *c, const void *buf, size_t len)
{
	const char *p = buf;

	while (len && !c->error) {
		ssize_t n = write(c->fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			c->error = n < 0 ? -errno : -EIO;
			break;
		}
		p += n;
		len -= (size_t)n;
		c->offset += (uint64_t)n;
	}
	return c->error;
}

static int pad4(struct wgl_cpio *c)
{
	static const char zero[4];

	return write_all(c, zero, (4 - c->offset % 4) % 4);
}

static int header_dev(struct wgl_cpio *c, const char *name, mode_t mode, uint64_t size,
		      unsigned int rmajor, unsigned int rminor)
{
	char hdr[128];
	size_t namesize = strlen(name) + 1;
	int n;

	if (size > UINT32_MAX || namesize > UINT32_MAX)
		return c->error = -EFBIG;
	n = snprintf(hdr, sizeof(hdr),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08zX%08X",
		 c->ino++, (unsigned int)mode, 0, 0, S_ISDIR(mode) ? 2 : 1, 0,
		 (unsigned int)size, 0, 0, rmajor, rminor, namesize, 0);
	write_all(c, hdr, (size_t)n); /* always 110 bytes: 6 + 13 fields of 8 */
	write_all(c, name, namesize);
	return pad4(c);
}

static int header(struct wgl_cpio *c, const char *name, mode_t mode, uint64_t size)
{
	return header_dev(c, name, mode, size, 0, 0);
}

void wgl_cpio_init(struct wgl_cpio *c, int fd)
{
	c->fd = fd;
	c->offset = 0;
	c->ino = 721;
	c->error = 0;
}

int wgl_cpio_dir(struct wgl_cpio *c, const char *name, mode_t perm)
{
	return header(c, name, S_IFDIR | (perm & 07777), 0);
}

int wgl_cpio_chardev(struct wgl_cpio *c, const char *name, mode_t perm, unsigned int major,
		     unsigned int minor)
{
	return header_dev(c, name, S_IFCHR | (perm & 07777), 0, major, minor);
}

int wgl_cpio_symlink(struct wgl_cpio *c, const char *name, const char *target)
{
	size_t len = strlen(target);

	header(c, name, S_IFLNK | 0777, len);
	write_all(c, target, len);
	return pad4(c);
}

int wgl_cpio_data(struct wgl_cpio *c, const char *name, mode_t perm, const void *data,
		  size_t len)
{
	header(c, name, S_IFREG | (perm & 07777), len);
	write_all(c, data, len);
	return pad4(c);
}

/* Streams size bytes of fd into the archive; a file that shrank is an error. */
static int copy_fd(struct wgl_cpio *c, int fd, uint64_t size)
{
	char buf[65536];

	while (size && !c->error) {
		ssize_t n = read(fd, buf, size < sizeof(buf) ? size : sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return c->error = n < 0 ? -errno : -EIO;
		write_all(c, buf, (size_t)n);
		size -= (uint64_t)n;
	}
	return c->error;
}

int wgl_cpio_file(struct wgl_cpio *c, const char *name, const char *path)
{
	struct stat st;
	int fd;

	if (c->error)
		return c->error;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return c->error = -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		c->error = S_ISREG(st.st_mode) ? -errno : -EINVAL;
		close(fd);
		return c->error;
	}
	header(c, name, S_IFREG | (st.st_mode & 07777), (uint64_t)st.st_size);
	copy_fd(c, fd, (uint64_t)st.st_size);
	close(fd);
	return pad4(c);
}

static int add_entry(struct wgl_cpio *c, const char *name, const char *path)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t n;

	if (lstat(path, &st) < 0)
		return c->error = -errno;
	if (S_ISDIR(st.st_mode)) {
		wgl_cpio_dir(c, name, st.st_mode);
		return wgl_cpio_tree(c, name, path);
	}
	if (S_ISLNK(st.st_mode)) {
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			return c->error = -errno;
		target[n] = '\0';
		return wgl_cpio_symlink(c, name, target);
	}
	if (S_ISREG(st.st_mode))
		return wgl_cpio_file(c, name, path);
	return 0; /* sockets, fifos, devices: an initramfs gets those from devtmpfs */
}

int wgl_cpio_tree(struct wgl_cpio *c, const char *prefix, const char *dir)
{
	struct dirent *de;
	DIR *d;

	if (c->error)
		return c->error;
	d = opendir(dir);
	if (!d)
		return c->error = -errno;
	while (!c->error && (de = readdir(d))) {
		char name[PATH_MAX], path[PATH_MAX];

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "/" : "",
			     de->d_name) >= (int)sizeof(name) ||
		    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path)) {
			c->error = -ENAMETOOLONG;
			break;
		}
		add_entry(c, name, path);
	}
	closedir(d);
	return c->error;
}

int wgl_cpio_finish(struct wgl_cpio *c)
{
	header(c, "TRAILER!!!", 0, 0);
	return c->error;
}
