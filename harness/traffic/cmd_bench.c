// SPDX-License-Identifier: GPL-2.0-or-later
/* Placeholder until this area lands; replaced by its owner. */
#include <stdio.h>
#include "harness/cli/cli.h"

int wgl_cmd_bench(int argc, char **argv)
{
	fprintf(stderr, "wglab %s: not built yet\n", argv[0]);
	return WGL_EXIT_USAGE;
}
