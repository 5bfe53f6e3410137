// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * wglab's dissector and analysis against Wireshark's on the fixture captures,
 * and the key log writer against Wireshark's key log reader. Skips (77)
 * without tshark.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/wgconfig.h"
#include "pcap/keylog.h"
#include "tshark_check.h"
#include "base/log.h"
#include "tests/wgl_test.h"

static const char *fixture(const char *name)
{
	static char buf[512];
	char rel[128];

	snprintf(rel, sizeof(rel), "fixtures/pcap/%s", name);
	return wgl_test_path(buf, sizeof(buf), rel);
}

static void test_agree(void)
{
	static const char *const files[] = { "v4-veth.pcap", "v4-wg.pcap", "v6-sll.pcap",
					     "v6-sll2.pcap" };

	for (size_t i = 0; i < WGL_ARRAY_SIZE(files); i++) {
		int n = tshark_agree(fixture(files[i]));

		printf("\n  %s: tshark %d WireGuard messages", files[i], n);
	}
}

/* Reads "NAME base64" from keys.txt. */
static int fixture_key(const char *name, wgl_key key)
{
	char line[256], b64[128];
	FILE *f = fopen(fixture("keys.txt"), "r");
	int rc = -1;

	if (!f)
		return -1;
	while (rc && fgets(line, sizeof(line), f))
		if (!strncmp(line, name, strlen(name)) &&
		    sscanf(line + strlen(name), " %127s", b64) == 1)
			rc = wgl_key_from_base64(key, b64);
	fclose(f);
	return rc;
}

/*
 * With the responder's static private key from our key log, Wireshark
 * decrypts the initiator's static public key out of each initiation.
 */
static void test_keylog_decrypts(void)
{
	wgl_key a_priv, a_pub, b_priv, b_pub;
	char path[] = "/tmp/wglab-keylog-XXXXXX", cmd[1024], line[256], want[WGL_KEY_B64_LEN];
	struct wgl_keylog_keys k = { .local_static_private = b_priv, .remote_static_public = a_pub };
	int fd, matches = 0;
	FILE *p;

	CU_ASSERT_EQUAL_FATAL(fixture_key("a_private", a_priv), 0);
	CU_ASSERT_EQUAL_FATAL(fixture_key("b_private", b_priv), 0);
	wgl_key_public(a_pub, a_priv);
	wgl_key_public(b_pub, b_priv);
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	close(fd);
	CU_ASSERT_EQUAL_FATAL(wgl_keylog_append(path, &k), 2);
	snprintf(cmd, sizeof(cmd), "tshark -n -r '%s' -o 'wg.keylog_file:%s' -Y 'wg.type == 1' "
		 "-T fields -e wg.static 2>/dev/null", fixture("v4-veth.pcap"), path);
	p = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	wgl_key_to_base64(want, a_pub);
	while (fgets(line, sizeof(line), p))
		matches += !strncmp(line, want, strlen(want));
	pclose(p);
	unlink(path);
	/* the two IPv4 handshakes were initiated by a; the IPv6 one by b */
	CU_ASSERT_EQUAL(matches, 2);
}

int main(void)
{
	if (!tshark_available())
		wgl_test_skip("tshark is not installed (apt-get install tshark)");
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	CU_pSuite s = CU_add_suite("pcap-tshark", NULL, NULL);
	CU_add_test(s, "counts and handshake times agree with tshark", test_agree);
	CU_add_test(s, "tshark decrypts with our key log", test_keylog_decrypts);
	return wgl_test_run();
}
