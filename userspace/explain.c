// SPDX-License-Identifier: GPL-2.0
/*
 * explain.c - "clonetrace explain" (being written).
 */
#include <stdio.h>

#include "subcmd.h"

int ct_explain_main(int argc, char **argv)
{
	fprintf(stderr, "clonetrace: 'explain' is not available yet\n");
	return 1;
}
