// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "pcap/keylog.h"

static int write_line(FILE *f, const char *label, const uint8_t *key)
{
	char b64[WGL_KEY_B64_LEN];

	if (!key)
		return 0;
	wgl_key_to_base64(b64, key);
	return fprintf(f, "%s = %s\n", label, b64) < 0 ? -EIO : 1;
}

int wgl_keylog_write(FILE *f, const struct wgl_keylog_keys *k)
{
	const struct { const char *label; const uint8_t *key; } lines[] = {
		{ "LOCAL_STATIC_PRIVATE_KEY", k->local_static_private },
		{ "REMOTE_STATIC_PUBLIC_KEY", k->remote_static_public },
		{ "LOCAL_EPHEMERAL_PRIVATE_KEY", k->local_ephemeral_private },
		{ "PRESHARED_KEY", k->preshared },
	};
	int n = 0, rc;

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		rc = write_line(f, lines[i].label, lines[i].key);
		if (rc < 0)
			return rc;
		n += rc;
	}
	return fflush(f) ? -errno : n;
}

int wgl_keylog_append(const char *path, const struct wgl_keylog_keys *k)
{
	int fd, rc;
	FILE *f;

	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "a");
	if (!f) {
		rc = -errno;
		close(fd);
		return rc;
	}
	rc = wgl_keylog_write(f, k);
	if (fclose(f) && rc >= 0)
		rc = -errno;
	return rc;
}
