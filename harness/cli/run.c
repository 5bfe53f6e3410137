// SPDX-License-Identifier: GPL-2.0-or-later
/* Placeholder: the scenario runner lands next. */
#include <stdio.h>
#include "harness/cli/cli.h"

int wgl_cmd_run(int argc, char **argv)
{
	fprintf(stderr, "wglab run: not built yet\n");
	return WGL_EXIT_USAGE;
}
