// SPDX-License-Identifier: GPL-2.0
/*
 * top.c - "clonetrace top" (being written).
 */
#include <stdio.h>

#include "subcmd.h"

int ct_top_main(int argc, char **argv)
{
	fprintf(stderr, "clonetrace: 'top' is not available yet\n");
	return 1;
}
